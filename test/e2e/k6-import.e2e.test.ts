import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult, RunSummary } from '../../src/run/model.ts';
import { REPO_ROOT, runCli, tempDir, writeConfig } from '../helpers/cli.ts';

const POD_1 = path.join(REPO_ROOT, 'test/fixtures/k6/pod-1.ndjson');
const POD_2 = path.join(REPO_ROOT, 'test/fixtures/k6/pod-2.ndjson');

async function importRun(files: string[], options: { config?: string; extra?: string[] } = {}) {
  const cwd = tempDir('shakedown-k6-import-');
  if (options.config) writeConfig(cwd, options.config);
  const result = await runCli(['k6', 'import', ...files, '--out', 'reports', ...(options.extra ?? [])], {
    cwd,
  });
  const runDir = /imported into (\S+)/.exec(result.stdout)?.[1];
  const summary = runDir
    ? (JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary)
    : null;
  return { ...result, cwd, runDir, summary };
}

function thresholds(summary: RunSummary | null): Record<string, CheckResult> {
  const checks = summary?.suites.find((s) => s.name === 'k6')?.checks ?? [];
  return Object.fromEntries(checks.filter((c) => c.id === 'load.thresholds').map((c) => [c.title, c]));
}

describe('shakedown k6 export', () => {
  it('writes the scripts and the manifest to --out from the repo config', async () => {
    const out = tempDir('shakedown-k6-cli-export-');
    const result = await runCli(['k6', 'export', '--out', out, '--parallelism', '3']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`to ${out}`);
    for (const file of [
      'load.ts',
      'load.js',
      'contracts.ts',
      'validators.js',
      'soak.ts',
      'socketio.ts',
      'README.md',
    ])
      expect(existsSync(path.join(out, file)), file).toBe(true);
    expect(readFileSync(path.join(out, 'k6-testrun.yaml'), 'utf8')).toContain('parallelism: 3');
  });
});

describe('shakedown k6 import', () => {
  it('merges two pods into one run: windows, metrics, k6 thresholds and checks, the usual outputs', async () => {
    const run = await importRun([POD_1, POD_2]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.summary!;
    expect(summary.verdict).toBe('pass');
    for (const file of ['events.ndjson', 'summary.json', 'junit.xml', 'index.html'])
      expect(existsSync(path.join(run.runDir!, file))).toBe(true);
    const suite = summary.suites.find((s) => s.name === 'k6')!;
    expect(suite.kind).toBe('load');
    // 30 s of points in 5 s windows, each window with both pods' requests (2 per second each).
    expect(suite.intervals.map((i) => [i.startMs, i.endMs])).toEqual(
      [0, 5, 10, 15, 20, 25].map((s) => [s * 1000, (s + 5) * 1000]),
    );
    expect(suite.intervals.every((i) => i.metrics.counters.http_reqs === 20)).toBe(true);
    expect(suite.intervals[0].metrics.gauges.vus).toBe(10);
    expect(suite.metrics?.counters).toMatchObject({
      http_reqs: 120,
      'http_reqs{route=GET /livez}': 60,
      'http_reqs{route=GET /v1/slow}': 60,
      'http_reqs{status=200}': 119,
      'http_reqs{status=500}': 1,
    });
    expect(suite.metrics?.rates?.http_req_failed).toBeCloseTo(1 / 120, 6);
    // k6's request phases add up to http_req_duration: read, not charted.
    expect(Object.keys(suite.metrics?.histograms ?? {}).some((n) => n.startsWith('http_req_waiting'))).toBe(
      false,
    );
    expect(suite.metrics?.histograms['http_req_duration{route=GET /v1/slow}'].max).toBeCloseTo(900.5, 0);
    const t = thresholds(summary);
    expect(Object.keys(t).sort()).toEqual([
      'http_req_duration{route=GET /livez}: p(99)<10',
      'http_req_failed: rate<0.05',
      'http_reqs: count>100',
    ]);
    expect(Object.values(t).every((c) => c.verdict === 'pass')).toBe(true);
    expect(t['http_reqs: count>100'].evidence?.threshold).toMatchObject({ observed: 120 });
    const checks = suite.checks.filter((c) => c.id === 'contract.status-documented');
    expect(checks.map((c) => [c.title, c.verdict])).toEqual([
      ['contract.status-documented on livez', 'pass'],
      ['contract.status-documented on slowRequest', 'pass'],
    ]);
    expect(readFileSync(path.join(run.runDir!, 'junit.xml'), 'utf8')).toContain('http_reqs: count&gt;100');
    expect(suite.checks.find((c) => c.id === 'k6.results-complete')?.verdict).toBe('pass');
    expect(readFileSync(path.join(run.runDir!, 'index.html'), 'utf8')).toContain('http_req_duration');
    const log = readFileSync(path.join(run.runDir!, 'events.ndjson'), 'utf8');
    expect(log).toContain('482 k6 points from 2 files');
    expect(log).toContain('1 line(s) that are not k6 points');
  });

  it('judges one pod on its own: fewer requests than the threshold asks, exit 1', async () => {
    const run = await importRun([POD_1]);
    expect(run.code).toBe(1);
    expect(run.summary!.verdict).toBe('fail');
    const t = thresholds(run.summary);
    expect(t['http_reqs: count>100'].verdict).toBe('fail');
    expect(t['http_reqs: count>100'].evidence?.threshold).toMatchObject({ observed: 60 });
  });

  it('fails k6.check for a check() of the script that failed, titled with its name', async () => {
    const dir = tempDir('shakedown-k6-own-check-');
    const point = (value: number, second: number) =>
      JSON.stringify({
        type: 'Point',
        data: {
          time: `2026-01-15T03:00:${String(second).padStart(2, '0')}.250412000+01:00`,
          value,
          tags: { check: 'status is 200', scenario: 'load' },
        },
        metric: 'checks',
      });
    const pod2 = path.join(dir, 'pod-2.ndjson');
    writeFileSync(
      pod2,
      `${readFileSync(POD_2, 'utf8').trimEnd()}\n${[point(1, 3), point(0, 4), point(1, 5)].join('\n')}\n`,
    );
    const run = await importRun([POD_1, pod2], { extra: ['--reporter', 'json'] });
    expect(run.code).toBe(1);
    const checks = run.summary!.suites[0].checks;
    expect(checks.filter((c) => c.id === 'k6.check')).toMatchObject([
      {
        title: 'status is 200',
        verdict: 'fail',
        message: 'failed 1 of 3 k6 evaluations.',
        evidence: { passes: 2, fails: 1 },
      },
    ]);
    // Everything else still holds: the failure is this check's alone.
    expect(checks.filter((c) => c.verdict === 'fail').map((c) => c.id)).toEqual(['k6.check']);
  });

  it('judges the window thresholds k6 cannot express, from the config', async () => {
    const config = `export default { thresholds: { http_req_duration: ['p(95)<1000', 'p(99)<500 over 5s'] } };\n`;
    const run = await importRun([POD_1, POD_2], { config });
    expect(run.code).toBe(1);
    const t = thresholds(run.summary);
    expect(t['http_req_duration: p(95)<1000'].verdict).toBe('pass');
    const window = t['http_req_duration: p(99)<500 over 5s'];
    expect(window.verdict).toBe('fail');
    expect(window.message).toContain('in 1 of 6');
    expect(window.evidence?.worstWindow).toMatchObject({ startMs: 10_000, endMs: 15_000 });
  });

  it('judges the soak script’s window threshold on soak.ts results, and leaves the config’s other metrics alone', async () => {
    const dir = tempDir('shakedown-k6-soak-results-');
    const metric = (name: string, type: string, thresholds: string[]) =>
      JSON.stringify({
        type: 'Metric',
        data: { name, type, contains: 'time', thresholds, submetrics: null },
        metric: name,
      });
    const lines = [metric('event_rtt_ms', 'trend', ['p(95)<150', 'p(99)<400'])];
    // 130 s of acks every 100 ms, 4–8 ms, and a 5-second stall at 70 s where they take 1.2 s.
    for (let i = 0; i < 1300; i++) {
      const time = new Date(Date.parse('2026-01-15T02:00:00Z') + i * 100).toISOString();
      const value = i >= 700 && i < 750 ? 1200 : 4 + (i % 5);
      lines.push(
        JSON.stringify({
          type: 'Point',
          metric: 'event_rtt_ms',
          data: { time, value, tags: { scenario: 'voice_sessions' } },
        }),
      );
    }
    writeFileSync(path.join(dir, 'soak.ndjson'), `${lines.join('\n')}\n`);
    const run = await importRun([path.join(dir, 'soak.ndjson')], {
      extra: ['--config', path.join(REPO_ROOT, 'shakedown.config.ts')],
    });
    expect(run.code).toBe(1);
    const t = thresholds(run.summary);
    // The repo soak script's thresholds on event_rtt_ms; none on metrics these results do not have.
    expect(Object.keys(t).sort()).toEqual([
      'event_rtt_ms: p(95)<150',
      'event_rtt_ms: p(99)<1000 over 60s',
      'event_rtt_ms: p(99)<400',
    ]);
    expect(t['event_rtt_ms: p(95)<150'].verdict).toBe('pass');
    const window = t['event_rtt_ms: p(99)<1000 over 60s'];
    expect(window.verdict).toBe('fail');
    expect(window.evidence?.worstWindow).toMatchObject({ observed: expect.closeTo(1200, 0) });
  });

  it('compares with a baseline and fails on a latency regression', async () => {
    const fast = tempDir('shakedown-k6-fast-');
    // The same run with the stall taken out: the baseline the stalled run regresses from.
    const lines = readFileSync(POD_2, 'utf8').replaceAll('"value": 900.5', '"value": 13.1');
    writeFileSync(path.join(fast, 'pod-2.ndjson'), lines);
    const baseline = await importRun([POD_1, path.join(fast, 'pod-2.ndjson')]);
    expect(baseline.code).toBe(0);
    const same = await importRun([POD_1, path.join(fast, 'pod-2.ndjson')], {
      extra: ['--baseline', baseline.runDir!],
    });
    expect(same.code).toBe(0);
    expect(same.summary!.baseline?.counts.regressions).toBe(0);
    const stalled = await importRun([POD_1, POD_2], { extra: ['--baseline', baseline.runDir!] });
    expect(stalled.code).toBe(1);
    const regressions = stalled.summary!.baseline!.metrics.filter((m) => m.status === 'regression');
    expect(regressions.map((m) => `${m.metric} ${m.stat}`)).toContain('http_req_duration p99');
  });

  it('does not pass a run whose pod was killed mid-write', async () => {
    const dir = tempDir('shakedown-k6-killed-');
    const cut = readFileSync(POD_2, 'utf8').split('\n').slice(0, 150).join('\n');
    writeFileSync(path.join(dir, 'pod-2.ndjson'), `${cut.slice(0, -40)}\n`);
    const run = await importRun([POD_1, path.join(dir, 'pod-2.ndjson')], { extra: ['--reporter', 'json'] });
    expect(run.code).toBe(1);
    const check = run.summary!.suites[0].checks.find((c) => c.id === 'k6.results-complete')!;
    expect(check.verdict).toBe('fail');
    expect(check.message).toContain('pod-2.ndjson ends with a cut-off line');
  });

  it('refuses a file that is not k6 output, with exit 2', async () => {
    const dir = tempDir('shakedown-k6-bad-');
    const file = path.join(dir, 'summary.txt');
    writeFileSync(file, 'running (0m30.0s), 00/10 VUs, 120 complete and 0 interrupted iterations\n');
    const run = await importRun([file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SHK_RUN_DIR_INVALID');
    expect(run.stderr).toContain('--out json');
  });
});
