import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  VOICE_SOCKET_AUTH_IMPORT,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

const IDS = [
  'shutdown.readiness-flips',
  'shutdown.inflight-completed',
  'shutdown.keepalive-closed',
  'shutdown.refuses-new',
  'shutdown.websocket-closed',
  'shutdown.exit-code',
  'shutdown.within-deadline',
  'shutdown.second-signal',
];

// Short slow requests, drain (SHUTDOWN_DRAIN_MS=500 from voiceApiConfig) and grace keep each run brief.
const SCENARIO = `import { gracefulShutdownScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
import { voiceSocketAuth } from ${JSON.stringify(VOICE_SOCKET_AUTH_IMPORT)};

export default gracefulShutdownScenario({
  slowPath: '/v1/slow?ms=1500',
  graceSec: 6,
  socketAuth: voiceSocketAuth,
});
`;

// Runs after graceful-shutdown (scenarios run in name order): the target must be back.
const AFTER = `import { defineScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

export default defineScenario({
  async run(ctx) {
    await ctx.check('after.target-up', 'The target answers after the shutdown scenario', async (c) => {
      const exchange = await ctx.http.request({ path: '/readyz', auth: false });
      return exchange.response?.status === 200 ? c.pass('ready', c.evidence(exchange)) : c.fail('not ready', c.evidence(exchange));
    });
  },
});
`;

async function runShutdown(faults: string[]) {
  const dir = tempDir('shakedown-shutdown-');
  const config = voiceApiConfig({ faults, extra: "scenarios: { dir: 'scenarios' }, profile: 'quick'" })
    // A hanging target would otherwise hold the run's final stack stop for the default 15 s.
    .replace('redis: false,', 'redis: false,\n    stopGraceMs: 2000,');
  writeConfig(dir, config);
  mkdirSync(path.join(dir, 'scenarios'));
  writeFileSync(path.join(dir, 'scenarios/graceful-shutdown.scenario.ts'), SCENARIO);
  writeFileSync(path.join(dir, 'scenarios/zz-after.scenario.ts'), AFTER);
  const result = await runCli(['scenarios'], { cwd: dir, timeoutMs: 120_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  const checks = Object.fromEntries([...IDS, 'after.target-up'].map((id) => [id, checksWithId(summary, id)]));
  return { result, checks };
}

// Which checks each planted fault must fail (for the reason given, when there is one); every other
// shutdown check must not fail.
const MATRIX: { faults: string[]; fails: string[]; because?: Record<string, RegExp> }[] = [
  {
    faults: ['shutdown-abrupt'],
    fails: [
      'shutdown.readiness-flips',
      'shutdown.inflight-completed',
      'shutdown.keepalive-closed',
      'shutdown.second-signal',
    ],
  },
  { faults: ['shutdown-no-readiness'], fails: ['shutdown.readiness-flips'] },
  {
    faults: ['shutdown-hang'],
    fails: ['shutdown.exit-code', 'shutdown.within-deadline', 'shutdown.websocket-closed'],
  },
  // Two faults, one run (it saves a run's wall time): they act in different cycles. Only cycle one
  // probes new connections, which hang after the drain until the prober gives up (2 s), and then the
  // target exits 0; only cycle two sends a second SIGTERM, which exits at once.
  {
    faults: ['shutdown-accept-hang', 'shutdown-second-signal-exit'],
    fails: ['shutdown.refuses-new', 'shutdown.second-signal'],
    because: {
      'shutdown.refuses-new': /^a new connection hung instead of being refused: at \d+ ms: timeout/,
      'shutdown.second-signal': /^in-flight work was cut \(after a second SIGTERM \d+ ms into the drain\)/,
    },
  },
];

describe('graceful-shutdown scenario against the reference target', () => {
  it('passes every check on the healthy target, and restarts it for later suites', {
    timeout: 120_000,
  }, async () => {
    const { result, checks } = await runShutdown([]);
    for (const id of IDS) {
      expect(checks[id], id).toHaveLength(1);
      expect(checks[id][0].verdict, `${id}: ${checks[id][0].message}`).toBe('pass');
    }
    expect(checks['after.target-up'][0].verdict).toBe('pass');
    expect(result.code, result.stderr).toBe(0);
  });

  for (const { faults, fails, because = {} } of MATRIX) {
    it(`${faults.join(' + ')}: fails ${fails.join(', ')} and nothing else`, {
      timeout: 120_000,
    }, async () => {
      const { result, checks } = await runShutdown(faults);
      expect(result.code, result.stderr).toBe(1);
      expect(checks['after.target-up'][0].verdict, 'the target is restarted even after failures').toBe(
        'pass',
      );
      for (const id of IDS) {
        const [check] = checks[id];
        if (fails.includes(id)) expect(check.verdict, `${id}: ${check.message}`).toBe('fail');
        else expect(check.verdict, `${id}: ${check.message}`).not.toBe('fail');
      }
      for (const [id, reason] of Object.entries(because)) expect(checks[id][0].message).toMatch(reason);
    });
  }
});

describe("the repo's scenarios/graceful-shutdown.scenario.ts", () => {
  it("passes against the repo's default config", { timeout: 120_000 }, async () => {
    const out = tempDir('shakedown-shutdown-repo-');
    const result = await runCli(['scenarios', 'graceful-shutdown', '--out', out], {
      cwd: REPO_ROOT,
      timeoutMs: 120_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const summary = readSummary(latestRunDir(out));
    expect(summary.counts).toMatchObject({ pass: IDS.length, fail: 0 });
    for (const id of IDS) expect(checksWithId(summary, id).map((c) => c.verdict)).toEqual(['pass']);
  });
});
