import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../src/errors.ts';
import { importOptional } from '../../src/optional-import.ts';

describe('importOptional', () => {
  it('loads an installed optional package', async () => {
    const mod = await importOptional<typeof import('testcontainers')>('testcontainers', '--stack compose');
    expect(typeof mod.DockerComposeEnvironment).toBe('function');
  });

  it('says what to install when the package is missing', async () => {
    const error = await importOptional('shakedown-absent-package', 'k6 export').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShakedownError);
    expect((error as ShakedownError).code).toBe('SHK_MISSING_DEPENDENCY');
    expect((error as ShakedownError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'k6 export needs the package shakedown-absent-package, which is not installed. Install it next to ' +
        'shakedown: npm install --save-dev shakedown-absent-package@latest',
    );
  });
});
