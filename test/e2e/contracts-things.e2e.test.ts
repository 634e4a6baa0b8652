import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/run/model.ts';
import { startThingsApi, THINGS_TOKEN, type ThingsFault } from '../fixtures/openapi/things-api.ts';
import { latestRunDir, REPO_ROOT, readSummary, runCli, tempDir, writeConfig } from '../helpers/cli.ts';

const SPEC = path.join(REPO_ROOT, 'test/fixtures/openapi/things.openapi.yaml');
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((api) => api.close()));
});

/** One `shakedown contracts` run against a fresh things fixture (the same target, state and all). */
async function runAgainstThings(
  contracts: string,
  faults: ThingsFault[] = [],
): Promise<{ code: number | null; checks: CheckResult[]; output: string }> {
  const api = await startThingsApi(faults);
  opened.push(api);
  const dir = tempDir();
  writeConfig(
    dir,
    `export default {
  target: { openapi: ${JSON.stringify(SPEC)}, auth: { type: 'header', name: 'X-Token', value: ${JSON.stringify(THINGS_TOKEN)} } },
  stack: { kind: 'url' },
  contracts: { hooks: 'none/*.contract.ts', timeoutMs: 2000, ${contracts} },
};
`,
  );
  const result = await runCli(['contracts', '--target', api.url], { cwd: dir, timeoutMs: 60_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  await api.close();
  return {
    code: result.code,
    checks: summary.suites.flatMap((s) => s.checks),
    output: `${result.stdout}\n${result.stderr}`,
  };
}

const AUTH = `auth: { required: true, except: ['GET /health*'] }`;
const operationId = (c: CheckResult) =>
  (c.evidence?.operation as { operationId?: string } | undefined)?.operationId;
const verdicts = (checks: CheckResult[]) =>
  checks.map((c) => `${c.verdict} ${c.id} ${c.title}: ${c.message}`).sort();
const byCheck = (checks: CheckResult[], id: string) =>
  Object.fromEntries(checks.filter((c) => c.id === id).map((c) => [operationId(c), c]));

describe('shakedown contracts on a FastAPI-shaped service (things fixture)', () => {
  it('gives identical verdicts, message for message, in five identical runs', async () => {
    const runs = [];
    for (let i = 0; i < 5; i += 1) runs.push(await runAgainstThings(AUTH));
    for (const run of runs) expect(run.code, run.output).toBe(0);
    // The read of a thing never races its close: GET /things/{id} sees the thing open every time, so
    // its only 404 is the one for an id nothing was created under.
    for (const run of runs)
      expect(byCheck(run.checks, 'contract.content-type').getThing?.message).toMatch(
        /^a resource that does not exist → 404: /,
      );
    for (const run of runs.slice(1)) expect(verdicts(run.checks)).toEqual(verdicts(runs[0].checks));
  }, 120_000);

  it('judges auth declared in the config: 401 without credentials is expected, except for public routes', async () => {
    const { code, checks, output } = await runAgainstThings(AUTH);
    expect(code, output).toBe(0);
    expect(checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    const auth = byCheck(checks, 'contract.auth-enforced');
    for (const op of ['createThing', 'getThing', 'closeThing'])
      expect(auth[op], op).toMatchObject({
        verdict: 'pass',
        message:
          'without credentials → 401; with a garbage credential → 401 (requires credentials, per contracts.auth)',
      });
    expect(auth.health).toMatchObject({
      verdict: 'skip',
      message: "the operation is public (contracts.auth.except: 'GET /health*')",
    });
  }, 60_000);

  it('fails contract.auth-enforced on the action that forgot its token check', async () => {
    const { code, checks, output } = await runAgainstThings(AUTH, ['close-unauthenticated']);
    expect(code, output).toBe(1);
    const failed = checks.filter((c) => c.verdict === 'fail').map((c) => `${c.id} ${operationId(c)}`);
    expect(failed).toEqual(['contract.auth-enforced closeThing']);
  }, 60_000);

  it('warns on bodies of responses documented without content and names them in spec lint; strictBodies fails them', async () => {
    const lenient = await runAgainstThings(AUTH);
    const getType = byCheck(lenient.checks, 'contract.content-type').getThing;
    expect(getType).toMatchObject({
      verdict: 'warn',
      message: expect.stringContaining('the spec documents no body for 404, but the response has 22 bytes'),
    });
    const lint = lenient.checks.find((c) => c.evidence?.rule === 'undocumented-response-body');
    expect(lint).toMatchObject({ id: 'contract.spec-lint', verdict: 'warn' });
    expect(lint?.message).toContain('GET /things/{thingId} → 404 (application/json)');
    const strict = await runAgainstThings(`${AUTH}, strictBodies: true`);
    expect(strict.code, strict.output).toBe(1);
    expect(byCheck(strict.checks, 'contract.content-type').getThing).toMatchObject({ verdict: 'fail' });
  }, 60_000);
});
