import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContractHooks } from '../../../src/contract/hooks.ts';
import { ShakedownError } from '../../../src/errors.ts';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import { REPO_ROOT, SHAKEDOWN_IMPORT, tempDir } from '../../helpers/cli.ts';

let spec: ApiSpec;
beforeAll(async () => {
  spec = await loadSpec(path.join(REPO_ROOT, 'contracts/voice-api.openapi.yaml'));
});

function hookDir(files: Record<string, string>): string {
  const dir = tempDir('shakedown-hooks-');
  mkdirSync(path.join(dir, 'contracts'));
  for (const [name, source] of Object.entries(files))
    writeFileSync(path.join(dir, 'contracts', name), source);
  return dir;
}

const op = (id: string) => spec.operations.find((o) => o.operationId === id)!;

describe('contract hooks', () => {
  it('merge every file that applies to the spec, `all` first', async () => {
    const dir = hookDir({
      'a.contract.ts': `import { defineContractHooks } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
export default defineContractHooks({
  spec: 'voice-api.openapi.yaml',
  all: { expectStatuses: [429] },
  operations: { getSession: { expectStatuses: [410], checks: { 'voice.session-active': () => [] } }, slowRequest: { skip: 'too slow for CI' } },
});`,
      'b.contract.ts': `export default { operations: { 'GET /v1/sessions/{id}': { before: (r) => r } } };`,
      'other.contract.ts': `export default { spec: 'billing.openapi.yaml', operations: { nope: { skip: true } } };`,
    });
    const hooks = await loadContractHooks(dir, 'contracts/*.contract.ts', spec);
    expect(hooks.files).toEqual(['contracts/a.contract.ts', 'contracts/b.contract.ts']);
    const get = hooks.for(op('getSession'));
    expect(get.expectStatuses).toEqual([429, 410]);
    expect(get.checks.map((c) => c.id)).toEqual(['voice.session-active']);
    expect(get.before).toHaveLength(1);
    expect(hooks.for(op('slowRequest')).skip).toBe('too slow for CI');
    expect(hooks.for(op('livez'))).toEqual({
      skip: undefined,
      before: [],
      expectStatuses: [429],
      checks: [],
    });
  });

  const invalid: [string, string, RegExp][] = [
    [
      'an unknown operation',
      `export default { operations: { getSesion: {} } };`,
      /contracts\/x\.contract\.ts: operations\.getSesion is not an operation of .*voice-api\.openapi\.yaml; known: createSession, getSession/,
    ],
    [
      'no default export',
      `export const hooks = {};`,
      /contracts\/x\.contract\.ts: has no default export object/,
    ],
    [
      'an unknown field',
      `export default { operations: { getSession: { befor() {} } } };`,
      /operations\.getSession has an unknown field "befor"/,
    ],
    [
      'a check id that is not dotted',
      `export default { operations: { getSession: { checks: { Mine: () => {} } } } };`,
      /"Mine" is not a dotted lower-case check id/,
    ],
    [
      'bad statuses',
      `export default { all: { expectStatuses: ['429'] } };`,
      /all\.expectStatuses must be a list of HTTP status codes/,
    ],
    ['a file that does not load', `export default {`, /contracts\/x\.contract\.ts: cannot be loaded/],
  ];
  for (const [name, source, message] of invalid) {
    it(`reject ${name} (SHK_SCRIPT_INVALID, exit 2)`, async () => {
      const dir = hookDir({ 'x.contract.ts': source });
      const error = (await loadContractHooks(dir, 'contracts/*.contract.ts', spec).catch(
        (e: unknown) => e,
      )) as ShakedownError;
      expect(error).toBeInstanceOf(ShakedownError);
      expect(error.code).toBe('SHK_SCRIPT_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
    });
  }
});
