import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken, nowSec, startInProcess } from '../../examples/voice-api/test/helpers.ts';
import { loadConfig } from '../../src/config/resolve.ts';
import { exportK6 } from '../../src/k6/export.ts';
import { REPO_ROOT, tempDir } from '../helpers/cli.ts';
import { importK6Script, setK6Env } from '../helpers/k6-node.ts';
import { k6Samples } from '../helpers/k6-shim.ts';

let dir: string;

beforeAll(async () => {
  dir = tempDir('shakedown-k6-contracts-');
  await exportK6(await loadConfig({}, {}, REPO_ROOT), { outDir: dir, parallelism: 1 });
}, 60_000);

/** One iteration of the exported contracts.ts against the reference target; failed checks as `check operation`. */
async function failedChecks(faults?: string): Promise<{ failed: string[]; evaluated: number }> {
  const { url, env } = await startInProcess(faults ? { VOICE_API_FAULTS: faults } : {});
  const token = await mintToken(env.JWT_SECRET!, { sub: 'k6', expSec: nowSec() + 600 });
  setK6Env({ SHAKEDOWN_BASE_URL: url, SHAKEDOWN_TOKEN: token });
  const samples = k6Samples();
  samples.length = 0;
  await (await importK6Script(path.join(dir, 'contracts.ts'))).default();
  const checks = samples.filter((s) => s.metric === 'checks');
  return {
    failed: checks.filter((s) => s.value === 0).map((s) => `${s.tags?.check} ${s.tags?.operation}`),
    evaluated: checks.length,
  };
}

describe('the exported contracts.ts, run on Node shims against the reference target', () => {
  it('passes every status, content-type and schema check on the healthy target', async () => {
    const { failed, evaluated } = await failedChecks();
    expect(failed).toEqual([]);
    expect(evaluated).toBeGreaterThanOrEqual(3 * 10);
  }, 60_000);

  it.each([
    ['contract-writeonly-leak', 'contract.response-schema createSession'],
    ['contract-undocumented-status', 'contract.status-documented deleteSession'],
  ])(
    'fails on the planted fault %s: %s',
    async (fault, expected) => {
      const { failed } = await failedChecks(fault);
      expect(failed).toContain(expected);
    },
    60_000,
  );
});
