import { writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { importUserModule, syntaxLocation } from '../../src/config/user-module.ts';
import { ShakedownError } from '../../src/errors.ts';
import { tempDir } from '../helpers/cli.ts';

/** The one loader of users' modules (config, scenarios, soak scripts, contract hooks). */
describe('importUserModule', () => {
  const dir = tempDir('shakedown-user-module-');
  const write = (name: string, source: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, source);
    return file;
  };

  it('imports a TypeScript module with ES exports', async () => {
    const file = write('ok.ts', 'const n: number = 41;\nexport default { answer: n + 1 };\n');
    const mod = await importUserModule(file, 'SHK_SCRIPT_INVALID', () => 'unused');
    expect(mod.default).toEqual({ answer: 42 });
  });

  it('wraps a syntax error with the caller code and message, the error as cause', async () => {
    const file = write('broken.ts', 'export default {\n  a: 1,,\n};\n');
    const error = await importUserModule(
      file,
      'SHK_CONFIG_LOAD',
      ({ reason }) => `cannot load: ${reason}`,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShakedownError);
    expect((error as ShakedownError).code).toBe('SHK_CONFIG_LOAD');
    expect((error as ShakedownError).message).toMatch(/^cannot load: /);
    expect((error as ShakedownError).cause).toBeInstanceOf(Error);
  });

  it("reads the line and column of a syntax error from Node's stack", () => {
    let error: unknown;
    try {
      new vm.Script('const a = {\n  b: 1,,\n};\n', { filename: '/project/shakedown.config.ts' });
    } catch (e) {
      error = e;
    }
    expect(syntaxLocation(error)).toEqual({ line: 2, column: 8, excerpt: '    b: 1,,\n         ^' });
    expect(syntaxLocation(new Error('no stack location'))).toBeNull();
  });

  it('wraps a throw at import time and a missing file, without a location', async () => {
    const throwing = write('throws.ts', "throw new Error('no DATABASE_URL');\n");
    const seen: unknown[] = [];
    for (const file of [throwing, path.join(dir, 'missing.ts')]) {
      const error = await importUserModule(file, 'SHK_SCRIPT_INVALID', (failure) => {
        seen.push(failure);
        return `cannot load ${path.basename(file)}: ${failure.reason}`;
      }).catch((e: unknown) => e);
      expect((error as ShakedownError).code).toBe('SHK_SCRIPT_INVALID');
    }
    expect(seen).toEqual([
      { reason: 'no DATABASE_URL', location: null },
      { reason: expect.stringContaining('missing.ts'), location: null },
    ]);
  });
});
