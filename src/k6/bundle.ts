import path from 'node:path';
import { importOptional } from '../optional-import.ts';

type Esbuild = typeof import('esbuild');

/** esbuild is an optional peer: only the k6 export needs it, and it says so when it is missing. */
export function loadEsbuild(forWhat: string): Promise<Esbuild> {
  return importOptional<Esbuild>('esbuild', forWhat);
}

/** Modules k6 provides at run time: left as imports in the bundles. */
const K6_MODULES = ['k6', 'k6/*'];

/**
 * `<name>.js` beside each `<name>.ts`: one ES module per script with the local imports (socket.io
 * adapter, validators) inlined and the types stripped, for k6 builds without TypeScript support.
 */
export async function bundleScripts(dir: string, scripts: readonly string[]): Promise<string[]> {
  const esbuild = await loadEsbuild('the .js bundles of the k6 scripts');
  const written: string[] = [];
  for (const script of scripts) {
    const outfile = path.join(dir, script.replace(/\.ts$/, '.js'));
    await esbuild.build({
      entryPoints: [path.join(dir, script)],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      external: K6_MODULES,
      legalComments: 'none',
      logLevel: 'silent',
    });
    written.push(path.basename(outfile));
  }
  return written;
}
