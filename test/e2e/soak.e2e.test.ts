import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { Histogram } from '../../src/metrics/histogram.ts';
import type { Evidence } from '../../src/run/model.ts';
import { THREAD_MEMORY_GAUGES } from '../../src/soak/generator-monitor.ts';
import { isProcessAlive } from '../../src/stack/process.ts';
import {
  CLI,
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';
import { explain, type SuiteRun, stackProcesses, suiteRun, waitForIntervals } from '../helpers/suite-run.ts';

/**
 * The soak engine against the real reference target: short runs (20–40 s, 5 s windows, a handful of
 * sessions) on the repo's own voice-sessions script. Latency bounds are generous and the generator
 * bound is relaxed where the test is not about it, because this machine is shared and busy; each
 * planted fault is still far past its check's default bound.
 */
const SCRIPT = path.join(REPO_ROOT, 'soak/voice-sessions.soak.ts');
const TARGET_ENV = {
  RATE_LIMITS: 'sessions=100000/60,token=100000/60,transcripts=1000000/60',
  LOG_LEVEL: 'warn',
};
const SHORT_SOAK = {
  script: SCRIPT,
  warmupSec: 5,
  rampUpSec: 2,
  windowSec: 5,
  sessions: 5,
  sessionLifetimeSec: 12,
};
const BUSY_MACHINE = { generator: { maxEventLoopP99Ms: 400, maxOverloadedWindowsPct: 50 } };
const LOOSE_LATENCY = {
  event_rtt_ms: ['p(95)<2000', 'p(99)<4000', 'p(99)<4000 over 60s'],
  reply_latency_ms: ['p(95)<2000'],
  session_connect_ms: ['p(95)<4000'],
};
const SOAK_CHECKS = [
  'soak.no-event-loss',
  'soak.no-unexpected-disconnects',
  'soak.memory-leak',
  'soak.latency-drift',
  'soak.generator-healthy',
  'soak.sessions-held',
];

const children: number[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const pid of children) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function soakDir(): string {
  const dir = tempDir('shakedown-soak-');
  dirs.push(dir);
  return dir;
}

function configSource(options: {
  faults?: string[];
  env?: Record<string, string>;
  soak?: Record<string, unknown>;
  thresholds?: Record<string, unknown[]>;
  redis?: boolean;
}): string {
  return voiceApiConfig({
    redis: options.redis,
    faults: options.faults,
    env: { ...TARGET_ENV, ...options.env },
    extra: `soak: ${JSON.stringify({ ...SHORT_SOAK, ...BUSY_MACHINE, ...options.soak })},
  thresholds: ${JSON.stringify({ ...LOOSE_LATENCY, ...options.thresholds })},
  reporters: ['json'],`,
  });
}

async function soak(
  options: Parameters<typeof configSource>[0] & { runEnv?: NodeJS.ProcessEnv },
): Promise<SuiteRun> {
  const dir = soakDir();
  writeConfig(dir, configSource(options));
  const result = await runCli(['soak', '--quiet'], { cwd: dir, env: options.runEnv, timeoutMs: 150_000 });
  return suiteRun(result, path.join(dir, 'reports'), 'soak');
}

describe('soak engine on the reference target', () => {
  it('passes a healthy target, recording every window and the metric contract', async () => {
    // The target keeps its default rate limits (10 new sessions per 5 min per IP); the ~20 sessions of
    // this run come from 5 loopback addresses, one per slot, as 5 callers would.
    const run = await soak({
      env: { RATE_LIMITS: '' },
      soak: { durationSec: 35, drift: { minDeltaMs: 100 }, loopbackSources: 5 },
    });
    expect(run.code, explain(run)).toBe(0);
    expect(run.suite).toMatchObject({
      name: 'voice-sessions',
      kind: 'soak',
      verdict: 'pass',
      completed: true,
    });
    for (const id of SOAK_CHECKS)
      expect(run.check(id).verdict, `${id}: ${run.check(id).message}`).toBe('pass');
    const thresholds = checksWithId(run.summary, 'soak.thresholds');
    expect(thresholds.length).toBe(6);
    for (const t of thresholds) expect(t.verdict, t.message).toBe('pass');
    expect(thresholds.map((t) => t.evidence?.threshold)).toContainEqual({
      metric: 'event_rtt_ms',
      expression: 'p(99)<4000 over 60s',
      stat: 'p(99)',
      op: '<',
      value: 4000,
      observed: expect.any(Number),
      window: 60,
    });

    // Seven 5-second windows, then the drain; every one with the names the report draws.
    const { intervals, metrics } = run.suite;
    expect(intervals.length).toBe(8);
    expect(intervals.slice(0, 7).map((i) => [i.startMs, i.endMs])).toEqual(
      [0, 5, 10, 15, 20, 25, 30].map((s) => [s * 1000, Math.min(35, s + 5) * 1000]),
    );
    const steady = intervals[3].metrics;
    expect(Object.keys(steady.histograms)).toEqual(
      expect.arrayContaining([
        'event_rtt_ms',
        'reply_latency_ms',
        'session_connect_ms',
        'http_req_ms',
        'http_req_ms{route=POST /v1/sessions}',
        'http_req_ms{route=POST /v1/voice/token}',
      ]),
    );
    expect(steady.counters).toMatchObject({
      events_sent: expect.any(Number),
      events_acked: expect.any(Number),
    });
    expect(steady.counters.events_sent).toBeGreaterThan(30);
    for (const gauge of [
      'sessions_active',
      'server_rss_bytes',
      'server_heap_bytes',
      'server_event_loop_lag_ms',
      'server_open_sockets',
      'generator_cpu_pct',
      'generator_event_loop_p99_ms',
      'generator_rss_bytes',
    ]) {
      expect(steady.gauges[gauge], gauge).toEqual(expect.any(Number));
    }
    // The generator's own memory, summed over its threads: the heap in use fits in the committed heap.
    for (const gauge of THREAD_MEMORY_GAUGES) expect(steady.gauges[gauge], gauge).toBeGreaterThan(0);
    expect(steady.gauges.generator_heap_used_bytes).toBeLessThanOrEqual(
      steady.gauges.generator_heap_total_bytes,
    );
    expect(steady.gauges.sessions_active).toBe(5);
    expect(steady.rates?.events_lost_rate).toBe(0);
    const rtt = steady.histograms.event_rtt_ms;
    expect(Histogram.decode(rtt.hdr!).count).toBe(rtt.count);

    // The whole-run snapshot: counters over the run, latency after warm-up.
    expect(metrics?.counters.events_sent).toBe(
      intervals.reduce((n, i) => n + (i.metrics.counters.events_sent ?? 0), 0),
    );
    expect(metrics?.counters.events_acked).toBe(metrics?.counters.events_sent);
    expect(metrics?.histograms.event_rtt_ms.count).toBeLessThan(metrics!.counters.events_acked);
    expect(metrics?.counters.sessions_started).toBeGreaterThan(10);
    expect(metrics?.counters.sessions_failed ?? 0).toBe(0);
    expect(metrics?.rates?.http_req_failed).toBe(0);
    expect(metrics?.rates?.events_lost_rate).toBe(0);
  }, 120_000);

  it('catches soak-leak with soak.memory-leak', async () => {
    // 10 chunks/s per session: the planted 64 KiB per chunk (6 MiB/s) dwarfs the target's own start-up
    // growth, and a 10 s warm-up keeps most of that growth out of the fit. With a 25 s steady state at
    // 5 chunks/s, a GC returning pages in the last third sometimes made the RSS look decelerating
    // (judged "still settling", a warn), which is the check's right answer for a curve it cannot yet tell.
    const run = await soak({
      faults: ['soak-leak'],
      soak: { durationSec: 45, warmupSec: 10, sessions: 10, eventsPerSec: 10 },
    });
    expect(run.code, explain(run)).toBe(1);
    const leak = run.check('soak.memory-leak');
    expect(leak.verdict, leak.message).toBe('fail');
    expect(leak.evidence).toMatchObject({ source: 'prometheus', rss: { leaking: true } });
    expect((leak.evidence!.rss as { slopeBytesPerMin: number }).slopeBytesPerMin).toBeGreaterThan(
      10 * 1024 * 1024,
    );
  }, 120_000);

  it('catches soak-drift with soak.latency-drift', async () => {
    // 100 chunks/s, so the planted drift (0.15 ms per chunk handled, +15 ms a second) outgrows a busy machine's noise.
    const run = await soak({
      faults: ['soak-drift'],
      soak: { durationSec: 40, sessions: 10, eventsPerSec: 10 },
    });
    expect(run.code, explain(run)).toBe(1);
    const drift = run.check('soak.latency-drift');
    expect(drift.verdict, drift.message).toBe('fail');
    expect(drift.evidence?.factor).toBeGreaterThan(1.5);
    expect(drift.evidence?.deltaMs).toBeGreaterThan(5);
  }, 120_000);

  it('catches soak-drop with soak.no-event-loss and soak.no-unexpected-disconnects', async () => {
    // The first lost ack breaks an abortOnFail threshold, which ends the 60 s run early.
    const run = await soak({
      faults: ['soak-drop'],
      env: { FAULT_DROP_SOCKETS_EVERY_MS: '3000' },
      soak: { durationSec: 60, sessions: 10 },
      thresholds: { events_lost_rate: [{ threshold: 'rate<0.001', abortOnFail: true }] },
    });
    expect(run.code, explain(run)).toBe(1);
    const [abort] = checksWithId(run.summary, 'soak.thresholds').filter(
      (c) => c.title === 'events_lost_rate: rate<0.001',
    );
    expect(abort.verdict).toBe('fail');
    expect(abort.message).toContain('It aborted the run (abortOnFail)');
    expect(run.suite.intervals.at(-1)!.endMs).toBeLessThan(50_000);
    const loss = run.check('soak.no-event-loss');
    expect(loss.verdict, loss.message).toBe('fail');
    expect(loss.evidence?.lost).toBeGreaterThan(0);
    const disconnects = run.check('soak.no-unexpected-disconnects');
    expect(disconnects.verdict, disconnects.message).toBe('fail');
    expect(disconnects.evidence?.byReason).toMatchObject({
      'disconnects{reason=transport close}': expect.any(Number),
    });
    expect(disconnects.evidence?.reconnects).toBeGreaterThan(0);
  }, 120_000);

  it('shows a 1 s server stall in event_rtt_ms, timed from the intended send', async () => {
    const run = await soak({
      faults: ['soak-stall'],
      soak: { durationSec: 25, sessions: 10, eventsPerSec: 10 },
      thresholds: { event_rtt_ms: ['p(99)<900'] },
    });
    expect(run.code, explain(run)).toBe(1);
    expect(run.suite.metrics?.histograms.event_rtt_ms.p99).toBeGreaterThanOrEqual(900);
    const [threshold] = checksWithId(run.summary, 'soak.thresholds').filter(
      (c) => c.title === 'event_rtt_ms: p(99)<900',
    );
    expect(threshold.verdict).toBe('fail');
    expect((threshold.evidence!.threshold as { observed: number }).observed).toBeGreaterThanOrEqual(900);
  }, 120_000);

  it('catches soak-session-cap with soak.sessions-held, and nothing else', async () => {
    // Five slots against a cap of three voice sockets: the callers past the cap create their session
    // and token, are refused at connect ('unavailable'), fail and back off (1 s, 2 s, 4 s…), so about
    // three sessions are active at a time instead of five.
    const run = await soak({
      faults: ['soak-session-cap'],
      env: { FAULT_SESSION_CAP: '3' },
      soak: { durationSec: 25, drift: { minDeltaMs: 100 } },
    });
    expect(run.code, explain(run)).toBe(1);
    const held = run.check('soak.sessions-held');
    expect(held.verdict, held.message).toBe('fail');
    const evidence = held.evidence as { target: number; offenders: { activeAvg: number }[] } & Evidence;
    expect(evidence.target).toBe(5);
    expect(evidence.sessionsFailed).toBeGreaterThan(0);
    expect(evidence.offenders.length).toBe(evidence.windows);
    for (const offender of evidence.offenders) expect(offender.activeAvg).toBeLessThan(4);
    // The sessions that do connect stream normally, and a refused connect is a connect error, not a
    // disconnect of an established socket: the sessions-held check is the only one that sees the cap.
    const failed = run.suite.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
    expect(failed, explain(run)).toEqual(['soak.sessions-held']);
    for (const id of SOAK_CHECKS.filter((id) => id !== 'soak.sessions-held'))
      expect(run.check(id).verdict, `${id}: ${run.check(id).message}`).toBe('pass');
    expect(run.check('soak.no-unexpected-disconnects').evidence?.connectErrors).toMatchObject({
      'connect_errors{message=unavailable}': expect.any(Number),
    });
  }, 120_000);

  it('turns a starved generator into an error, never a pass', async () => {
    const run = await soak({
      soak: { durationSec: 20, generator: {} },
      runEnv: { SHAKEDOWN_SOAK_STARVE_MS: '400' },
    });
    expect(run.code, explain(run)).toBe(1);
    expect(run.summary.verdict).toBe('error');
    expect(run.suite).toMatchObject({
      verdict: 'error',
      error: 'generator overloaded: results not trustworthy',
    });
    const generator = run.check('soak.generator-healthy');
    expect(generator.verdict).toBe('fail');
    expect(generator.message).toContain('generator overloaded, results not trustworthy');
    expect((generator.evidence!.offenders as unknown[]).length).toBeGreaterThan(0);
    // Sends delayed by the generator's own stalls keep their intended time, so the delay shows.
    expect(run.suite.metrics?.histograms.event_rtt_ms.p99).toBeGreaterThanOrEqual(200);
  }, 120_000);

  it('stops gracefully on Ctrl-C: sessions end, the report is written, verdicts cover what ran', async () => {
    // Two worker threads: their windows are merged on the main thread.
    const { dir, child, done, runDir } = startSoak({ durationSec: 120, windowSec: 2, warmupSec: 2 }, 'warn', [
      '--workers',
      '2',
    ]);
    await waitForIntervals(runDir, 4);
    child.kill('SIGINT');
    const { code } = await done;
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    // An interrupted run is a result of its own: never exit 0, whatever the checks said.
    expect(code).toBe(ExitCode.Incomplete);
    expect(summary.status).toEqual({ state: 'interrupted', reason: 'interrupted by Ctrl-C (SIGINT)' });
    expect(summary.incomplete).toBe(true);
    // Nothing failed on the healthy target: the run is an error only because it did not finish.
    expect(summary.verdict).toBe('error');
    expect(summary.suites[0].checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    const suite = summary.suites[0];
    expect(suite.completed).toBe(true);
    expect(suite.error).toBeUndefined();
    expect(suite.checks.map((c) => c.id)).toEqual(expect.arrayContaining(SOAK_CHECKS));
    const events = readFileSync(path.join(runDir(), 'events.ndjson'), 'utf8');
    expect(events).toContain('the soak stopped early at');
    expect(suite.metrics?.counters.sessions_ended).toBeGreaterThanOrEqual(5);
    const steady = suite.intervals[2].metrics;
    expect(steady.gauges.sessions_active).toBe(5);
    expect(Histogram.decode(steady.histograms.event_rtt_ms.hdr!).count).toBe(
      steady.histograms.event_rtt_ms.count,
    );
  }, 120_000);

  it('survives SIGKILL: the target dies with the harness, shakedown report rebuilds the run and exits 5', async () => {
    const { dir, child, done, runDir } = startSoak(
      { durationSec: 120, windowSec: 2, warmupSec: 2 },
      'info',
      [],
      true,
    );
    await waitForIntervals(runDir, 3);
    const target = targetOf(runDir());
    expect(isProcessAlive(target.pid)).toBe(true);
    expect(await listening(target.port)).toBe(true);
    child.kill('SIGKILL');
    await done;
    // The watchdogs kill the target's process group and the private redis-server's on their own,
    // each independently: both must be gone within 5 s.
    const redisGone = () => !target.redisPid || !isProcessAlive(target.redisPid);
    const gone = await waitFor(
      async () => !isProcessAlive(target.pid) && !groupAlive(target.pid) && !(await listening(target.port)),
      5_000,
    );
    const redisDead = await waitFor(async () => redisGone(), 5_000);
    if (!gone || !redisDead) killOrphanedTarget(runDir());
    expect(gone, 'the target and its group are gone within 5 s of the SIGKILL').toBe(true);
    expect(redisDead, 'the private redis-server is gone within 5 s of the SIGKILL').toBe(true);

    const report = await runCli(['report', runDir()], { cwd: dir, timeoutMs: 30_000 });
    expect(report.stdout).toContain('incomplete');
    expect(report.code).toBe(ExitCode.Incomplete);
    const summary = readSummary(runDir());
    expect(summary.incomplete).toBe(true);
    expect(summary.status.state).toBe('incomplete');
    expect(summary.verdict).toBe('error');
    const junit = readFileSync(path.join(runDir(), 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<testcase name="run.status: the run finished"[^>]*>\s*<error message="run incomplete: /,
    );
    const suite = summary.suites[0];
    expect(suite).toMatchObject({ name: 'voice-sessions', kind: 'soak', completed: false });
    expect(suite.intervals.length).toBeGreaterThanOrEqual(3);
    expect(suite.intervals[1].metrics.counters.events_sent).toBeGreaterThan(0);
  }, 120_000);

  it('names a target killed mid-soak at once, stops early and judges nothing on the silence', async () => {
    const { child, done, runDir } = startSoak({ durationSec: 60, windowSec: 2, warmupSec: 2 }, 'info');
    await waitForIntervals(runDir, 4);
    const target = targetOf(runDir());
    const killedAt = Date.now();
    process.kill(target.pid, 'SIGKILL');
    const { code } = await done;
    const endedAfterMs = Date.now() - killedAt;
    expect(child.exitCode).toBe(ExitCode.Incomplete);
    expect(code).toBe(ExitCode.Incomplete);
    const events = readFileSync(path.join(runDir(), 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; at: string; signal?: string; logTail?: string });
    const exited = events.find((e) => e.type === 'target.exited');
    expect(exited, 'target.exited recorded').toBeDefined();
    expect(Date.parse(exited!.at) - killedAt).toBeLessThan(2_000);
    expect(exited!.signal).toBe('SIGKILL');
    expect(exited!.logTail).toContain('listening');
    // Stopped early: not the 60 s planned, and not 45 s of sessions timing out against a dead target.
    expect(endedAfterMs).toBeLessThan(20_000);

    const summary = readSummary(runDir());
    expect(summary.status.state).toBe('aborted');
    expect(summary.status.reason).toMatch(/^target exited with signal SIGKILL/);
    expect(summary.targetLost).toMatchObject({ kind: 'target.exited', signal: 'SIGKILL' });
    const suite = summary.suites[0];
    expect(suite.verdict).toBe('error');
    expect(suite.error).toMatch(/^target lost at \d:\d\d: target exited with signal SIGKILL/);
    for (const id of ['soak.memory-leak', 'soak.sessions-held', 'soak.latency-drift']) {
      const check = checksWithId(summary, id)[0];
      expect(check.verdict, `${id}: ${check.message}`).toBe('skip');
      expect(check.message).toMatch(/^not judged: no samples since \d:\d\d/);
    }
    for (const t of checksWithId(summary, 'soak.thresholds')) expect(t.verdict, t.message).toBe('skip');
    // No window after the death repeats the last memory sample: a gap instead.
    const killedAtMs = Date.parse(exited!.at) - Date.parse(events.find((e) => e.type === 'suite-start')!.at);
    const after = suite.intervals.filter((i) => i.startMs > killedAtMs + 1_000);
    for (const interval of after) expect(interval.metrics.gauges.server_rss_bytes).toBeUndefined();
  }, 120_000);

  it('quits at once on a second Ctrl-C: exit 5, events.ndjson whole, and the way to rebuild the report', async () => {
    const dir = soakDir();
    writeConfig(dir, configSource({ soak: { durationSec: 60, windowSec: 2, warmupSec: 2 } }));
    const child = spawn(process.execPath, [CLI, 'soak', '--quiet'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    children.push(child.pid!);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const runDir = () => latestRunDir(path.join(dir, 'reports'));
    await waitForIntervals(runDir, 2);
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    expect(await done).toBe(ExitCode.Incomplete);
    await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toContain(`shakedown report ${runDir()}`);
    const lines = readFileSync(path.join(runDir(), 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((l) => l.includes('"type":"run-interrupted"'))).toBe(true);
    const report = await runCli(['report', runDir()], { cwd: dir, timeoutMs: 30_000 });
    expect(report.code).toBe(ExitCode.Incomplete);
    expect(readSummary(runDir()).status.state).toBe('interrupted');
  }, 120_000);

  it('rejects a missing soak script with exit 2, naming the file', async () => {
    const dir = soakDir();
    writeConfig(dir, configSource({ soak: { script: 'soak/nope.soak.ts' } }));
    const result = await runCli(['soak'], { cwd: dir, timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    const { error } = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(error).toMatchObject({ code: 'SHK_SCRIPT_INVALID', exitCode: 2 });
    expect(error?.message).toContain(`soak script ${path.join(dir, 'soak/nope.soak.ts')} does not exist`);
  }, 60_000);
});

/** Starts `shakedown soak` in the background, for the tests that interrupt it. */
function startSoak(
  soakOptions: Record<string, unknown>,
  logLevel = 'warn',
  args: string[] = [],
  redis = false,
) {
  const dir = soakDir();
  writeConfig(
    dir,
    configSource({
      soak: { drift: { minDeltaMs: 100 }, ...soakOptions },
      env: { LOG_LEVEL: logLevel },
      redis,
    }),
  );
  const child = spawn(process.execPath, [CLI, 'soak', '--quiet', ...args], {
    cwd: dir,
    stdio: 'ignore',
    detached: true,
  });
  children.push(child.pid!);
  const done = new Promise<{ code: number | null }>((resolve) =>
    child.on('exit', (code) => resolve({ code })),
  );
  const runDir = () => latestRunDir(path.join(dir, 'reports'));
  return { dir, child, done, runDir };
}

/** The target (and private redis-server) the run started, from the run directory's `stack.pids`. */
function targetOf(runDir: string): { pid: number; port: number; redisPid?: number } {
  const processes = stackProcesses(runDir);
  const pid = processes.get('target')!;
  const log = readFileSync(path.join(runDir, 'target.log'), 'utf8');
  const port = Number(/"port":(\d+)/.exec(log)?.[1] ?? /:(\d{4,5})\b/.exec(log)?.[1]);
  return { pid, port, redisPid: processes.get('redis') };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}

/** A SIGKILLed harness cannot stop its target; the target logged its PID when it started. */
function killOrphanedTarget(runDir: string): void {
  const log = path.join(runDir, 'target.log');
  const pid = existsSync(log) ? /"pid":(\d+)/.exec(readFileSync(log, 'utf8'))?.[1] : undefined;
  expect(pid, 'the target logged its pid').toBeDefined();
  try {
    process.kill(-Number(pid), 'SIGKILL');
  } catch {
    process.kill(Number(pid), 'SIGKILL');
  }
}
