import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter } from '../../run/reporter.ts';

export const SUMMARY_FILE = 'summary.json';

/** Writes `summary.json`, the machine-readable result (schema: `src/report/schema/summary.schema.json`). */
export function jsonReporter(): Reporter {
  return {
    name: 'json',
    onRunEnd(summary, runDir) {
      writeFileSync(path.join(runDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
    },
  };
}
