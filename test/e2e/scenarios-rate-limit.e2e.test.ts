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
const source = (windowSec: number) =>
  scenarioSource(
    'rateLimitScenario',
    `{
  routes: [{ method: 'POST', path: '/v1/sessions', body: { language: 'en' }, limit: 5, windowSec: ${windowSec}, scope: 'ip' }],
  healthPaths: ['/livez', '/readyz'],
  maxWaitSec: 20,
}`,
  );

/** A row may stretch the window: RATE_LIMITS and the route's windowSec alike. */
type Row = MatrixRow & { windowSec?: number };

const ROWS: Row[] = [
  { faults: [], fails: [] },
  {
    faults: ['rate-limit-off'],
    fails: ['rate-limit.enforced', 'rate-limit.concurrent'],
    note: 'with no limiter a concurrent burst gets through too; the checks that need a 429 skip',
  },
  { faults: ['rate-limit-xff'], fails: ['rate-limit.xff-bypass'] },
  { faults: ['rate-limit-no-retry-after'], fails: ['rate-limit.retry-after'] },
  { faults: ['rate-limit-health'], fails: ['rate-limit.health-exempt'] },
  {
    faults: ['rate-limit-global-key'],
    fails: ['rate-limit.per-client'],
    windowSec: 60,
    others: {
      'rate-limit.concurrent': 'warn',
      'rate-limit.health-exempt': 'skip',
      'rate-limit.reset': 'skip',
    },
    // With 8 s the shared quota would come back mid-run for whichever check happens to be sending.
    note: 'one quota for everybody, used up by the first check and, over 60 s, never back: a fresh client is refused at once (per-client fails), none of a concurrent burst succeeds (warn), probe counting cannot be told from sharing (skip), and the reset is longer than maxWaitSec (skip)',
  },
  {
    faults: ['rate-limit-short-retry-after'],
    fails: ['rate-limit.retry-after', 'rate-limit.reset'],
    note: 'Retry-After: 1 contradicts the RateLimit reset (retry-after), and a client that obeys it is refused again (reset)',
  },
  {
    // One run for two bugs that cannot see each other (each row waits out a window): the racy store
    // changes only what concurrent requests are told, the header copy-paste only RateLimit-Policy.
    faults: ['rate-limit-race', 'rate-limit-inconsistent-headers'],
    fails: ['rate-limit.concurrent', 'rate-limit.headers'],
  },
];

describe('rate-limit scenario against the reference target (detection matrix)', () => {
  it.each(ROWS.map((row) => [row.faults.join(',') || 'healthy', row] as const))(
    '%s',
    async (_name, row) => {
      const windowSec = row.windowSec ?? 8;
      const dir = scenarioProject({
        name: 'rate-limit',
        source: source(windowSec),
        faults: row.faults,
        env: { RATE_LIMITS: `sessions=5/${windowSec}` },
      });
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
