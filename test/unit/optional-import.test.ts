import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../src/errors.ts';
import { importOptional } from '../../src/optional-import.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('importOptional', () => {
  it('loads an installed optional package', async () => {
    const mod = await importOptional<typeof import('testcontainers')>('testcontainers', '--stack compose');
    expect(typeof mod.DockerComposeEnvironment).toBe('function');
  });

  it('says what to install, with the declared range, when the package is missing', async () => {
    const error = await importOptional('shakedown-absent-package', 'k6 export').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShakedownError);
    expect((error as ShakedownError).code).toBe('SHK_MISSING_DEPENDENCY');
    expect((error as ShakedownError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'k6 export needs the package shakedown-absent-package, which is not installed. Install it next to ' +
        'shakedown: npm install --save-dev shakedown-absent-package@latest',
    );
  });

  it.each(['testcontainers', 'playwright-core', 'esbuild', 'vitest'])(
    'keeps %s an optional peer, installed in the repository as a dev dependency',
    (name) => {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(manifest.devDependencies[name]).toBe(manifest.peerDependencies[name]);
    },
  );
});
