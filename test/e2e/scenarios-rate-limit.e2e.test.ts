import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readSummary, runCli, tempDir } from '../helpers/cli.ts';
import {
  expectDetection,
  type MatrixRow,
  runScenario,
  scenarioProject,
  scenarioSource,
  verdicts,
} from './scenario-matrix.ts';

const IDS = [
  'rate-limit.enforced',
  'rate-limit.retry-after',
  'rate-limit.headers',
  'rate-limit.concurrent',
  'rate-limit.xff-bypass',
  'rate-limit.per-client',
  'rate-limit.health-exempt',
  'rate-limit.reset',
];

// Five session creations per 8 s instead of 10 per 5 min: bursts stay small and the reset check
// waits seconds, not minutes. The window starts at a client's first request, so a loaded machine
// has 8 s to send 6 requests.
const ENV = { RATE_LIMITS: 'sessions=5/8' };
const SOURCE = scenarioSource(
  'rateLimitScenario',
  `{
  routes: [{ method: 'POST', path: '/v1/sessions', body: { language: 'en' }, limit: 5, windowSec: 8, scope: 'ip' }],
  healthPaths: ['/livez', '/readyz'],
  maxWaitSec: 20,
}`,
);

const ROWS: MatrixRow[] = [
  { faults: [], fails: [] },
  {
    faults: ['rate-limit-off'],
    fails: ['rate-limit.enforced', 'rate-limit.concurrent'],
    note: 'with no limiter a concurrent burst gets through too; the checks that need a 429 skip',
  },
  { faults: ['rate-limit-xff'], fails: ['rate-limit.xff-bypass'] },
  { faults: ['rate-limit-no-retry-after'], fails: ['rate-limit.retry-after'] },
  { faults: ['rate-limit-health'], fails: ['rate-limit.health-exempt'] },
];

describe('rate-limit scenario against the reference target (detection matrix)', () => {
  it.each(ROWS.map((row) => [row.faults.join(',') || 'healthy', row] as const))(
    '%s',
    async (_name, row) => {
      const dir = scenarioProject({ name: 'rate-limit', source: SOURCE, faults: row.faults, env: ENV });
      const run = await runScenario(dir, 'rate-limit');
      expectDetection(run, row, IDS);
      if (row.faults.length === 0) {
        // Healthy: every check really ran and passed, the reset included (8 s ≤ maxWaitSec).
        expect(Object.values(verdicts(run)), JSON.stringify(verdicts(run))).toEqual(IDS.map(() => 'pass'));
      }
    },
    90_000,
  );

  it("the repo's own scenarios/rate-limit.scenario.ts passes on the default config", async () => {
    const out = tempDir();
    const cli = await runCli(['scenarios', 'rate-limit', '--out', out], {
      cwd: REPO_ROOT,
      timeoutMs: 90_000,
    });
    const summary = readSummary(`${out}/latest`);
    const checks = summary.suites.flatMap((s) => s.checks);
    const table = checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(cli.code, `${table}\n${cli.stderr}`).toBe(0);
    expect(checks.map((c) => c.id)).toEqual(IDS);
    // The documented 5-minute window is longer than maxWaitSec: the reset is skipped, with the reason.
    const reset = checks.find((c) => c.id === 'rate-limit.reset')!;
    expect(reset.verdict).toBe('skip');
    expect(reset.message).toMatch(/longer than maxWaitSec \(70 s\)/);
    expect(
      checks.filter((c) => c.id !== 'rate-limit.reset').every((c) => c.verdict === 'pass'),
      table,
    ).toBe(true);
  }, 90_000);

  it('invalid options fail the load with exit 2, naming the script and the option', async () => {
    const dir = scenarioProject({
      name: 'rate-limit',
      source: scenarioSource(
        'rateLimitScenario',
        "{ routes: [{ path: '/v1/sessions', limit: 0, windowSec: 8 }] }",
      ),
    });
    const cli = await runCli(['scenarios', 'rate-limit'], { cwd: dir, timeoutMs: 60_000 });
    const output = cli.stdout + cli.stderr;
    expect(cli.code, output).toBe(2);
    expect(output).toContain('scenarios/rate-limit.scenario.ts');
    expect(output).toContain('rateLimitScenario({...}) options are invalid');
    expect(output).toContain('routes.0.limit');
  }, 60_000);
});
