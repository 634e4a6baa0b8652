// `npm run build:voice-api`: bundles the service into one ES module, dist/server.mjs, on the host.
// The image (Dockerfile) only copies it in, so building the image needs no network and no npm.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const outdir = here('./dist');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { server: here('./src/server.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // server.ts loads the app lazily (after env validation); keep that one file, as the source intends.
  splitting: false,
  minify: false,
  legalComments: 'linked',
  // ws's optional native speed-ups: it falls back to JavaScript when they are absent.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies call require() for Node built-ins; an ES module has none of its own.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stdout.write(`voice-api bundled into ${outdir} (${Math.round(bytes / 1024)} KiB)\n`);
