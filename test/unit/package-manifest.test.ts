import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';

// The published package installs `dependencies` only: every package the engine imports at run time must
// be one, and the heavy optional parts stay optional peers (see README, "The published package").

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<
  string,
  Record<string, string | { optional?: boolean }>
>;
const SRC = path.join(REPO_ROOT, 'src');
const OPTIONAL_PEERS = ['esbuild', 'playwright-core', 'testcontainers', 'vitest'];

/** Packages a source file imports at run time (`import type` is erased and does not count). */
function runtimeImports(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gm),
    ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...source.matchAll(/(?<!typeof )\bimport\('([^']+)'\)/g),
  ].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, imports: runtimeImports(readFileSync(path.join(SRC, f), 'utf8')) }));

describe('package.json', () => {
  it('the import scan sees multi-line and side-effect imports, and skips type-only ones', () => {
    expect(
      runtimeImports(
        "import {\n  a,\n  b,\n} from '@scope/pkg/sub';\nimport 'side';\nimport type { T } from 'gone';\n",
      ),
    ).toEqual(['@scope/pkg', 'side']);
  });

  it('lists every package the engine imports at run time as a dependency', () => {
    const missing = sources.flatMap(({ file, imports }) =>
      imports
        .filter((name) => !(name in manifest.dependencies))
        // shakedown/vitest runs inside the user's vitest, its optional peer.
        .filter((name) => !(file === 'vitest.ts' && name === 'vitest'))
        // The k6 scripts' own imports, inside the templates the k6 export writes: k6 provides them.
        .filter((name) => !(file.startsWith('k6/') && name === 'k6'))
        .map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
    expect(sources.flatMap((s) => s.imports)).toContain('zod');
  });

  it.each(OPTIONAL_PEERS)(
    'keeps %s an optional peer, installed in the repository as a dev dependency',
    (name) => {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(manifest.devDependencies[name]).toBe(manifest.peerDependencies[name]);
    },
  );

  it("keeps the reference target's own dependencies out of the published ones", () => {
    for (const name of [
      'express',
      'express-rate-limit',
      'helmet',
      'pino',
      'prom-client',
      'rate-limit-redis',
      'redis',
      'socket.io',
    ])
      expect(Object.keys(manifest.dependencies), name).not.toContain(name);
  });
});
