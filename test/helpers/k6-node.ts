import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from './cli.ts';
import type { RecordedSample } from './k6-shim.ts';

const SHIM = path.join(REPO_ROOT, 'test/helpers/k6-shim.ts');

let imports = 0;

/**
 * An exported k6 script bundled with k6's modules swapped for the Node shims (test/helpers/k6-shim.ts)
 * and imported afresh, its init code reading the current `__ENV` (set it first with setK6Env): its
 * default function runs here, against a real target.
 */
export async function importK6Script(entry: string): Promise<{ default: () => Promise<void> }> {
  const outfile = entry.replace(/\.ts$/, '.node.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
    plugins: [
      {
        name: 'k6-shim',
        setup(b) {
          b.onResolve({ filter: /^k6(\/.*)?$/ }, () => ({ path: SHIM }));
        },
      },
    ],
  });
  return import(`${pathToFileURL(outfile).href}?import=${++imports}`);
}

/** What the script reads from k6's environment. */
export function setK6Env(env: Record<string, string>): void {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
}

/** The samples as k6's `--out json` writes them: a Metric line per metric, then its Points. */
export function writeK6Json(file: string, samples: readonly RecordedSample[]): void {
  const lines: string[] = [];
  const declared = new Set<string>();
  for (const sample of samples) {
    if (!declared.has(sample.metric)) {
      declared.add(sample.metric);
      const data = {
        name: sample.metric,
        type: sample.type,
        contains: 'default',
        thresholds: [],
        submetrics: null,
      };
      lines.push(JSON.stringify({ type: 'Metric', data, metric: sample.metric }));
    }
    const data = { time: new Date(sample.at).toISOString(), value: sample.value, tags: sample.tags ?? {} };
    lines.push(JSON.stringify({ type: 'Point', data, metric: sample.metric }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
