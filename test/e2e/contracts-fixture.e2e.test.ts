import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/run/model.ts';
import { PETS_API_KEY, PETS_FAULTS, type PetsFault, startPetsApi } from '../fixtures/openapi/pets-api.ts';
import { latestRunDir, REPO_ROOT, readSummary, runCli, tempDir, writeConfig } from '../helpers/cli.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/openapi');
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((api) => api.close()));
});

/** Runs `shakedown contracts` against the pets fixture with the given faults; returns every check. */
async function runAgainstPets(
  faults: PetsFault[],
): Promise<{ code: number | null; checks: CheckResult[]; output: string }> {
  const api = await startPetsApi(faults);
  opened.push(api);
  const dir = tempDir();
  writeConfig(
    dir,
    `export default {
  target: { openapi: ${JSON.stringify(path.join(FIXTURES, 'pets.openapi.yaml'))}, auth: { type: 'header', name: 'X-Api-Key', value: ${JSON.stringify(PETS_API_KEY)} } },
  stack: { kind: 'url' },
  contracts: { hooks: ${JSON.stringify(path.join(FIXTURES, '*.contract.ts'))}, timeoutMs: 1000 },
};
`,
  );
  const result = await runCli(['contracts', '--target', api.url], { cwd: dir, timeoutMs: 60_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  return {
    code: result.code,
    checks: summary.suites.flatMap((s) => s.checks),
    output: `${result.stdout}\n${result.stderr}`,
  };
}

const operationOf = (c: CheckResult) =>
  c.evidence?.operation as { operationId?: string; method: string; path: string } | undefined;
const where = (c: CheckResult) =>
  operationOf(c)?.operationId ?? `${operationOf(c)?.method} ${operationOf(c)?.path}`;

describe('shakedown contracts on the pets fixture (OpenAPI 3.0, API key, discriminator, hooks)', () => {
  it('passes when the service conforms, with hooks, branch coverage and spec lint', async () => {
    const { code, checks, output } = await runAgainstPets([]);
    expect(code, output).toBe(0);
    expect(checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    const summary = checks.find((c) => c.title.startsWith('coverage:'))!;
    expect(summary.evidence).toMatchObject({ exercised: 7, total: 8 });
    expect((summary.evidence as { oneOfBranches: Record<string, string[]> }).oneOfBranches).toMatchObject({
      '/components/schemas/Pet (discriminator)': ['cat', 'dog'],
    });
    const legacy = checks.find((c) => c.id === 'contract.coverage' && where(c) === 'legacy')!;
    expect(legacy).toMatchObject({
      verdict: 'warn',
      message: 'never exercised: retired; kept in the spec for old clients',
    });
    expect(checks.find((c) => c.id === 'pets.name-echoed')).toMatchObject({ verdict: 'pass' });
    expect(
      checks
        .filter((c) => c.id === 'contract.auth-enforced' && c.verdict === 'pass')
        .map(where)
        .sort(),
    ).toEqual(['createPet', 'deletePet', 'getPet', 'listPets']);
    const lint = checks.filter((c) => c.id === 'contract.spec-lint');
    expect(lint.every((c) => c.verdict === 'warn')).toBe(true);
    expect(lint.map((c) => c.message)).toContain(
      'GET /slow documents no 4xx response, so every client error is undocumented',
    );
    expect(
      checks.filter((c) => c.id === 'contract.method-not-allowed').every((c) => c.verdict === 'pass'),
    ).toBe(true);
  }, 60_000);

  // content-type, response-headers, links, method-not-allowed and negative-rejected are proven on the
  // reference target's contract-* faults (contracts.e2e.test.ts); this run keeps what only the fixture has.
  it('fails on a timeout, an accepted invalid body (its curl names the API key variable) and a mistyped field; warns on a body too large', async () => {
    const { code, checks, output } = await runAgainstPets(Object.keys(PETS_FAULTS) as PetsFault[]);
    expect(code, output).toBe(1);
    const failures = checks.filter((c) => c.verdict === 'fail').map((c) => `${c.id} ${where(c)}`);
    expect(failures.sort()).toEqual(
      [
        'contract.negative-rejected createPet',
        'contract.no-server-error slow',
        'contract.response-schema getPet',
      ].sort(),
    );
    const message = (id: string) => checks.find((c) => c.id === id && c.verdict === 'fail')!.message;
    expect(message('contract.negative-rejected')).toMatch(/answered 201, expected a 4xx/);
    expect(message('contract.no-server-error')).toMatch(/no response within \d+ ms \(timed out\)/);
    const big = checks.find((c) => c.id === 'contract.response-schema' && where(c) === 'exportPets')!;
    expect(big).toMatchObject({
      verdict: 'warn',
      message: expect.stringMatching(/larger than the size limit \(1 MiB\)/),
    });
    // The API key never appears; the curl line names the variable to export instead.
    const negative = checks.find((c) => c.id === 'contract.negative-rejected' && c.verdict === 'fail')!;
    expect(negative.evidence?.curl).toContain('"X-Api-Key: $SHAKEDOWN_X_API_KEY"');
    expect(JSON.stringify(checks)).not.toContain(PETS_API_KEY);
  }, 60_000);
});
