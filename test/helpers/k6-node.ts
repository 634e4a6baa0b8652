import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from './cli.ts';

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
