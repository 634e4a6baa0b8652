import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import {
  CLI,
  checksWithId,
  latestRunDir,
  readSummary,
  runCli,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';
import { explain, type SuiteRun, stackProcesses, suiteRun, waitForIntervals } from '../helpers/suite-run.ts';

/**
 * The load engine against the real reference target: 10 s open-model runs at 100 requests/s on the
 * reference mix (`GET /v1/slow?ms=50` ×3, `GET /livez` ×1), 2 s windows. Each planted load fault must
 * fail its own check; the healthy target must pass every one. Bounds are the engine's defaults, but
 * for the generator's on this busy machine.
 */
const ROUTES = [
  { path: '/v1/slow', params: { ms: '50' }, weight: 3 },
  { path: '/livez', weight: 1 },
];
// The machine running the tests is shared and busy; the generator bound is relaxed where the test is
// not about it (the starved-generator test restores the default), as the soak's tests do.
const BUSY_MACHINE = { generator: { maxEventLoopP99Ms: 400, maxOverloadedWindowsPct: 50 } };
const SHORT_LOAD = { durationSec: 10, windowSec: 2, ratePerSec: 100, routes: ROUTES, ...BUSY_MACHINE };
const THRESHOLDS = {
  http_req_duration: ['p(99)<500'],
  'http_req_duration{route:GET /livez}': ['p(95)<400'],
};
const LOAD_CHECKS = [
  'load.contract-conformance',
  'load.generator-healthy',
  'load.no-errors',
  'load.latency-drift',
];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function load(
  options: {
    faults?: string[];
    load?: Record<string, unknown>;
    args?: string[];
    runEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<SuiteRun> {
  const dir = tempDir('shakedown-load-');
  dirs.push(dir);
  writeConfig(
    dir,
    voiceApiConfig({
      faults: options.faults,
      env: { LOG_LEVEL: 'warn' },
      extra: `load: ${JSON.stringify({ ...SHORT_LOAD, thresholds: THRESHOLDS, ...options.load })},
  reporters: ['json'],`,
    }),
  );
  const result = await runCli(['load', '--quiet', ...(options.args ?? [])], {
    cwd: dir,
    env: options.runEnv,
    timeoutMs: 120_000,
  });
  return suiteRun(result, path.join(dir, 'reports'), 'load');
}

describe('load engine on the reference target', { timeout: 120_000 }, () => {
  it('passes a healthy target, holding the rate and recording k6 metrics per window', async () => {
    const run = await load({ args: ['--validate', '5'] });
    expect(run.code, explain(run)).toBe(0);
    expect(run.suite).toMatchObject({ name: 'load', kind: 'load', verdict: 'pass', completed: true });
    for (const id of LOAD_CHECKS) expect(run.check(id).verdict, run.check(id).message).toBe('pass');
    const thresholds = checksWithId(run.summary, 'load.thresholds');
    expect(thresholds.map((t) => [t.title, t.verdict])).toEqual([
      ['http_req_duration: p(99)<500', 'pass'],
      ['http_req_duration{route=GET /livez}: p(95)<400', 'pass'],
    ]);
    // The timetable holds 1000 requests; every one was issued (none dropped) and answered.
    const counters = run.suite.metrics!.counters;
    expect(counters.requests_scheduled).toBe(1000);
    expect(counters.dropped_requests).toBe(0);
    expect(counters.http_reqs).toBe(1000);
    expect(counters['http_reqs{route=GET /v1/slow}']).toBe(750);
    expect(counters['http_reqs{route=GET /livez}']).toBe(250);
    expect(run.check('load.contract-conformance').evidence).toMatchObject({ validated: 200, violations: 0 });
    // Five 2 s windows at 100/s: each one within 15% of 200 requests (the machine is shared).
    const windows = run.suite.intervals.filter((w) => w.endMs - w.startMs >= 1_900);
    expect(windows.length).toBe(5);
    for (const w of windows) {
      const sent = w.metrics.counters.requests_scheduled ?? 0;
      expect(Math.abs(sent - 200), `window ${w.startMs}: ${sent}`).toBeLessThanOrEqual(30);
      expect(w.metrics.histograms['http_req_duration{route=GET /v1/slow}'].p50).toBeGreaterThanOrEqual(50);
    }
  });

  it.each([
    { fault: 'load-stall', fails: ['load.thresholds'] },
    { fault: 'load-overload-503', fails: ['load.contract-conformance', 'load.no-errors'] },
    { fault: 'load-latency-leak', fails: ['load.latency-drift'] },
  ])('$fault fails $fails', async ({ fault, fails }) => {
    const run = await load({ faults: [fault], args: ['--validate', '10'] });
    expect(run.code, explain(run)).toBe(ExitCode.Failed);
    for (const id of fails) {
      const failed = checksWithId(run.summary, id).filter((c) => c.verdict === 'fail');
      expect(failed.length, `${id} failed\n${explain(run)}`).toBeGreaterThan(0);
    }
    if (fault === 'load-overload-503') {
      const evidence = run.check('load.contract-conformance').evidence!;
      expect(evidence.errors?.join('\n')).toContain('status 503 is not documented');
      expect(evidence.curl).toContain('/v1/slow?ms=50');
      expect(evidence.curl).toContain('$SHAKEDOWN_TOKEN');
    }
  });

  it('fails load.generator-healthy when the generator is starved', async () => {
    const run = await load({ load: { generator: {} }, runEnv: { SHAKEDOWN_LOAD_STARVE_MS: '300' } });
    expect(run.code, explain(run)).not.toBe(0);
    expect(run.check('load.generator-healthy').verdict).toBe('fail');
    expect(run.suite.error).toContain('generator overloaded');
  });

  it('counts requests dropped at the in-flight bound and judges thresholds on them', async () => {
    const run = await load({
      load: {
        durationSec: 4,
        ratePerSec: 50,
        maxInFlight: 2,
        routes: [{ path: '/v1/slow', params: { ms: '300' } }],
        thresholds: { dropped_requests: ['count<1'] },
      },
    });
    expect(run.code, explain(run)).toBe(ExitCode.Failed);
    const counters = run.suite.metrics!.counters;
    expect(counters.dropped_requests).toBeGreaterThan(100);
    expect(counters.requests_sent + counters.dropped_requests).toBe(counters.requests_scheduled);
    expect(run.check('load.thresholds')).toMatchObject({
      verdict: 'fail',
      title: 'dropped_requests: count<1',
    });
  });

  it('runs the closed model on autocannon up to a request count, over two worker threads', async () => {
    const run = await load({
      load: { ratePerSec: undefined, connections: 4, requests: 400, durationSec: 20 },
      args: ['--workers', '2'],
    });
    // Closed: the generator runs flat out by design, so its health is at most a warning.
    expect(run.code, explain(run)).toBe(0);
    expect(run.suite.metrics!.counters.http_reqs).toBeGreaterThanOrEqual(400);
    expect(run.suite.metrics!.counters.requests_scheduled).toBeUndefined();
    expect(run.suite.metrics!.counters['http_reqs{route=GET /livez}']).toBeGreaterThan(0);
  });
});

describe('load input errors', () => {
  async function badInput(load: Record<string, unknown>, args: string[] = []) {
    const dir = tempDir('shakedown-load-bad-');
    dirs.push(dir);
    writeConfig(
      dir,
      voiceApiConfig({
        extra: `load: ${JSON.stringify({ ...SHORT_LOAD, ...load })}, reporters: ['json', 'console'],`,
      }),
    );
    const result = await runCli(['load', ...args], { cwd: dir, timeoutMs: 60_000 });
    return { ...result, output: result.stdout + result.stderr };
  }

  it.each([
    { name: 'rate 0', load: { ratePerSec: 0 }, path: 'load.ratePerSec' },
    { name: 'an unknown route', load: { routes: [{ path: '/v1/nope' }] }, path: 'load.routes[0].path' },
    {
      name: 'a broken threshold',
      load: { thresholds: { http_req_duration: ['p(95)<<1'] } },
      path: 'load.thresholds.http_req_duration[0]',
    },
  ])('$name → exit 2 naming $path', async ({ load: section, path: configPath }) => {
    const result = await badInput(section);
    expect(result.code, result.output).toBe(ExitCode.BadInput);
    expect(result.output).toContain(configPath);
  });

  it('refuses a non-loopback target before sending anything', async () => {
    const dir = tempDir('shakedown-load-bad-');
    dirs.push(dir);
    const result = await runCli(['load', '--target', 'http://staging.example.invalid:8080'], { cwd: dir });
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('target.loadAllowedHosts');
  });

  it('rejects a --validate that is not a count', async () => {
    const result = await badInput({}, ['--validate', 'some']);
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('--validate some');
  });
});

describe('load run integrity', { timeout: 120_000 }, () => {
  /** A 60 s load in its own process group, so the test can kill its target or interrupt it. */
  function startLoad() {
    const dir = tempDir('shakedown-load-integrity-');
    dirs.push(dir);
    writeConfig(
      dir,
      voiceApiConfig({
        env: { LOG_LEVEL: 'info' },
        extra: `load: ${JSON.stringify({ ...SHORT_LOAD, durationSec: 60 })},
  reporters: ['json', 'junit'],`,
      }),
    );
    const child = spawn(process.execPath, [CLI, 'load', '--quiet'], {
      cwd: dir,
      stdio: 'ignore',
      detached: true,
    });
    started.push(child.pid!);
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const runDir = () => latestRunDir(path.join(dir, 'reports'));
    return { child, done, runDir };
  }

  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  it('names a target killed mid-load, stops early, judges nothing on the silence and exits 5', async () => {
    const { done, runDir } = startLoad();
    await waitForIntervals(runDir, 2, 60_000);
    const killedAt = Date.now();
    process.kill(stackProcesses(runDir()).get('target')!, 'SIGKILL');
    const code = await done;
    expect(code).toBe(ExitCode.Incomplete);
    expect(Date.now() - killedAt, 'stopped early, not after the 60 s planned').toBeLessThan(30_000);
    const summary = readSummary(runDir());
    expect(summary.status.state).toBe('aborted');
    expect(summary.targetLost).toMatchObject({ kind: 'target.exited', signal: 'SIGKILL' });
    const suite = summary.suites.find((s) => s.kind === 'load')!;
    expect(suite.verdict).toBe('error');
    expect(suite.error).toMatch(/^target lost at \d:\d\d: target exited with signal SIGKILL/);
    for (const check of [
      ...checksWithId(summary, 'load.latency-drift'),
      ...checksWithId(summary, 'load.thresholds'),
    ]) {
      expect(check.verdict, `${check.id}: ${check.message}`).not.toBe('pass');
    }
    const junit = readFileSync(path.join(runDir(), 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase name="run.status: the run finished"[^>]*>\s*<error /);
  });

  it('Ctrl-C stops sending, writes every output and exits 5 with the run interrupted', async () => {
    const { child, done, runDir } = startLoad();
    await waitForIntervals(runDir, 2, 60_000);
    child.kill('SIGINT');
    const code = await done;
    expect(code).toBe(ExitCode.Incomplete);
    const summary = readSummary(runDir());
    expect(summary.status.state).toBe('interrupted');
    expect(summary.verdict).not.toBe('pass');
    const suite = summary.suites.find((s) => s.kind === 'load')!;
    expect(suite.metrics!.counters.http_reqs).toBeGreaterThan(0);
    expect(suite.metrics!.counters.http_reqs).toBeLessThan(6_000);
  });
});
