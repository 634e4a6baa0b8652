import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  tempDir,
  writeConfig,
} from '../helpers/cli.ts';
import {
  buildComposeImages,
  composeConfig,
  composeProjectsIn,
  composeUnavailable,
  projectContainers,
  removeProjectContainers,
} from '../helpers/compose.ts';

// A short soak through the composed stack's load balancer, with each replica's resources sampled
// from its own /metrics. Needs Docker with compose v2, as compose.test.ts does; the verdict logic per
// replica is covered without Docker in test/unit/soak/server-resources.test.ts.

const unavailable = composeUnavailable('compose soak e2e test');
const REPLICAS = ['voice-api-1', 'voice-api-2'];
const seenProjects = new Set<string>();

function composeSoakConfig(): string {
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  };
  const stackEnv = {
    SHUTDOWN_DRAIN_MS: '1000',
    RATE_LIMITS: 'sessions=100000/60,token=100000/60,transcripts=1000000/60',
  };
  // Short and small (5 s windows, 4 sessions); latency and generator bounds loose for a busy machine.
  const soak = {
    script: path.join(REPO_ROOT, 'soak/voice-sessions.soak.ts'),
    durationSec: 30,
    warmupSec: 5,
    rampUpSec: 2,
    windowSec: 5,
    sessions: 4,
    sessionLifetimeSec: 12,
    drift: { minDeltaMs: 100 },
    generator: { maxEventLoopP99Ms: 400, maxOverloadedWindowsPct: 50 },
  };
  const thresholds = {
    event_rtt_ms: ['p(95)<2000', 'p(99)<4000', 'p(99)<4000 over 60s'],
    reply_latency_ms: ['p(95)<2000'],
    session_connect_ms: ['p(95)<4000'],
  };
  return composeConfig({
    secrets,
    env: stackEnv,
    readyTimeoutMs: 60_000,
    extra: `soak: ${JSON.stringify(soak)},
  thresholds: ${JSON.stringify(thresholds)},
  reporters: ['console', 'json'],`,
  });
}

describe.skipIf(unavailable !== null)('soak on the composed stack (--stack compose)', () => {
  // Cached when compose.test.ts (or an earlier run) built the same sources; a cold build takes longer.
  beforeAll(buildComposeImages, 330_000);

  afterAll(() => {
    for (const project of seenProjects) removeProjectContainers(project);
  }, 60_000);

  it("passes, with each replica's server resources in every window (exit 0)", async () => {
    const dir = tempDir('shakedown-compose-soak-');
    writeConfig(dir, composeSoakConfig());
    const result = await runCli(['soak', '--stack', 'compose'], { cwd: dir, timeoutMs: 110_000 });
    const projects = composeProjectsIn(result.stdout);
    for (const project of projects) seenProjects.add(project);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const suite = summary.suites.find((s) => s.kind === 'soak');
    expect(
      result.code,
      `${result.stderr}\n${suite?.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n')}`,
    ).toBe(0);
    expect(summary.target.stack).toBe('compose');

    // The windows carry each replica's RSS, and the stack's total beside it.
    const windows = suite!.intervals;
    expect(windows.length).toBeGreaterThanOrEqual(6);
    for (const { startMs, metrics } of windows.slice(1, 6)) {
      const perReplica = REPLICAS.map((r) => metrics.gauges[`server_rss_bytes{service=${r}}`]);
      for (const rss of perReplica) expect(rss, `window at ${startMs} ms`).toBeGreaterThan(10e6);
      expect(metrics.gauges[`server_heap_bytes{service=${REPLICAS[0]}}`]).toEqual(expect.any(Number));
      expect(metrics.gauges.server_rss_bytes).toBe(perReplica[0] + perReplica[1]);
    }

    // soak.memory-leak judged each replica, sampled at its own port rather than through the balancer.
    const [leak] = checksWithId(summary, 'soak.memory-leak');
    expect(leak.verdict, leak.message).toBe('pass');
    const judged = leak.evidence?.replicas as { service: string; origin: string; verdict: string }[];
    expect(judged.map((r) => [r.service, r.verdict])).toEqual(REPLICAS.map((r) => [r, 'pass']));
    for (const r of judged) expect(r.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new Set(judged.map((r) => r.origin)).size).toBe(2);
    expect(leak.message).toMatch(/^no replica leaks \(2 of 2 judged\)/);

    // Not a TTY: the console printed one line per window.
    expect(result.stdout).toMatch(
      /^ {2}voice-sessions 5–10s of 30s · sessions 4 · \d+ ev\/s · p95 .* · rss \d+ MB/m,
    );
    for (const project of projects) expect(projectContainers(project)).toEqual([]);
  }, 120_000);
});
