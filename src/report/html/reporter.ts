import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter } from '../../run/reporter.ts';
import { renderReport } from './page.ts';

export const HTML_FILE = 'index.html';

/** Writes `index.html`, the self-contained report (no network, works from file:// under its CSP). */
export function htmlReporter(): Reporter {
  return {
    name: 'html',
    onRunEnd(summary, runDir) {
      writeFileSync(path.join(runDir, HTML_FILE), renderReport(summary));
    },
  };
}
