import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCES } from '../../src/config/baseline.ts';
import { ShakedownError } from '../../src/errors.ts';
import { assertComparable, compareRuns } from '../../src/report/baseline/compare.ts';
import { formatSinceBaseline } from '../../src/report/baseline/format.ts';
import { type LoadedBaseline, loadBaseline } from '../../src/report/baseline/load.ts';
import { baselineChecks, rebuildWithBaseline } from '../../src/report/baseline/record.ts';
import type {
  CheckVerdict,
  HistogramSummary,
  MetricsSnapshot,
  RunSummary,
  SuiteSummary,
} from '../../src/run/model.ts';
import { buildSummary } from '../../src/run/summary.ts';
import { soakRun, writeRunDir } from '../fixtures/report/runs.ts';
import { REPO_ROOT, tempDir } from '../helpers/cli.ts';

type CheckRow = [suite: string, id: string, title: string, verdict: CheckVerdict];

function summary(
  rows: CheckRow[],
  metrics: Record<string, MetricsSnapshot> = {},
  over: Partial<RunSummary> = {},
): RunSummary {
  const suites = new Map<string, SuiteSummary>();
  const suiteOf = (name: string, kind: SuiteSummary['kind']) => {
    const s = suites.get(name) ?? {
      kind,
      name,
      verdict: 'pass' as const,
      durationMs: 1,
      completed: true,
      checks: [],
      intervals: [],
    };
    suites.set(name, s);
    return s;
  };
  for (const [suite, id, title, verdict] of rows) {
    suiteOf(suite, suite === 'soak' ? 'soak' : 'contracts').checks.push({
      id,
      title,
      verdict,
      message: `${id} ${verdict}`,
    });
  }
  for (const [suite, m] of Object.entries(metrics)) suiteOf(suite, 'soak').metrics = m;
  return {
    schemaVersion: 1,
    runId: '2026-11-22T02-00-00Z-bbbbbb',
    startedAt: '2026-11-22T02:00:00.000Z',
    finishedAt: '2026-11-22T02:20:00.000Z',
    incomplete: false,
    status: { state: 'complete' },
    profile: 'full',
    shakedownVersion: '0.1.0',
    target: { baseUrl: '(local stack)', stack: 'local' },
    verdict: 'pass',
    counts: { pass: 0, fail: 0, warn: 0, skip: 0 },
    suites: [...suites.values()],
    ...over,
  };
}

function loaded(s: RunSummary): LoadedBaseline {
  return { summary: s, source: '/reports/baseline' };
}

function hist(p50: number, p95: number, p99: number): HistogramSummary {
  return { count: 1000, min: 1, max: p99 * 2, mean: p50, p50, p90: p95 * 0.9, p95, p99 };
}

function snapshot(
  histograms: Record<string, HistogramSummary>,
  rates: Record<string, number> = {},
): MetricsSnapshot {
  return { histograms, counters: {}, gauges: {}, rates };
}

describe('baseline: check verdicts', () => {
  const before = summary([
    ['contracts', 'contract.response-schema', 'GET /v1/sessions/{id}', 'pass'],
    ['contracts', 'contract.response-schema', 'POST /v1/sessions', 'fail'],
    ['contracts', 'contract.response-schema', 'DELETE /v1/sessions/{id}', 'fail'],
    ['contracts', 'contract.unauthenticated', 'GET /v1/sessions/{id}', 'pass'],
    ['contracts', 'contract.gone', 'only in the baseline', 'pass'],
  ]);
  const after = summary([
    ['contracts', 'contract.response-schema', 'GET /v1/sessions/{id}', 'fail'],
    ['contracts', 'contract.response-schema', 'POST /v1/sessions', 'pass'],
    ['contracts', 'contract.response-schema', 'DELETE /v1/sessions/{id}', 'fail'],
    ['contracts', 'contract.unauthenticated', 'GET /v1/sessions/{id}', 'pass'],
    ['contracts', 'contract.new-rule', 'new in this run', 'fail'],
  ]);

  it('sorts checks into new failures, fixed and still failing, per id and title', () => {
    const c = compareRuns(after, loaded(before), DEFAULT_TOLERANCES);
    expect(c.checks.newFailures.map((f) => [f.id, f.title, f.baselineVerdict])).toEqual([
      ['contract.response-schema', 'GET /v1/sessions/{id}', 'pass'],
      ['contract.new-rule', 'new in this run', null],
    ]);
    expect(c.checks.fixed.map((f) => f.title)).toEqual(['POST /v1/sessions']);
    expect(c.checks.stillFailing.map((f) => f.title)).toEqual(['DELETE /v1/sessions/{id}']);
    expect(c.checks).toMatchObject({ compared: 4, added: 1, missing: 1 });
    expect(c.counts).toMatchObject({ newFailures: 2, fixed: 1, stillFailing: 1 });
  });

  it('fails baseline.no-new-failures under its own id when a check newly fails, passes when none does', () => {
    const [failing] = baselineChecks(compareRuns(after, loaded(before), DEFAULT_TOLERANCES));
    expect(failing.id).toBe('baseline.no-new-failures');
    expect(failing.verdict).toBe('fail');
    expect(failing.message).toContain('contract.response-schema');
    expect(failing.evidence?.errors).toHaveLength(2);

    const [passing] = baselineChecks(compareRuns(before, loaded(before), DEFAULT_TOLERANCES));
    expect(passing.id).toBe('baseline.no-new-failures');
    expect(passing.verdict).toBe('pass');
    expect(passing.message).toMatch(/no new failures .* 5 checks compared, 0 fixed, 2 still failing/);
  });

  it('ignores a comparison suite the runs themselves carry', () => {
    const withOld = summary([['contracts', 'contract.a', 'a', 'pass']]);
    withOld.suites.push({
      kind: 'baseline',
      name: 'baseline',
      verdict: 'fail',
      durationMs: 0,
      completed: true,
      checks: [{ id: 'baseline.no-new-failures', title: 't', verdict: 'fail', message: 'old' }],
      intervals: [],
    });
    const c = compareRuns(withOld, loaded(withOld), DEFAULT_TOLERANCES);
    expect(c.checks.compared).toBe(1);
    expect(c.checks.stillFailing).toHaveLength(0);
  });
});

describe('baseline: metrics', () => {
  const base = summary([], {
    soak: snapshot(
      { event_rtt_ms: hist(10, 20, 100), payload_bytes: hist(1000, 2000, 3000) },
      { events_lost_rate: 0.001 },
    ),
  });

  function compareWith(m: MetricsSnapshot) {
    return compareRuns(summary([], { soak: m }), loaded(base), DEFAULT_TOLERANCES);
  }
  const find = (c: ReturnType<typeof compareWith>, metric: string, stat: string) =>
    c.metrics.find((d) => d.metric === metric && d.stat === stat);

  it.each([
    // [p95, p99, expected p95 status, expected p99 status]
    [23, 100, 'within-tolerance', 'within-tolerance'], // +15% but only +3 ms
    [26, 108, 'regression', 'within-tolerance'], // +30% and +6 ms; p99 +8 ms but only +8%
    [20, 116, 'within-tolerance', 'regression'], // p99 +16% and +16 ms
    [12, 80, 'improvement', 'improvement'],
  ] as const)('p95 %d / p99 %d against 20 / 100 ms', (p95, p99, s95, s99) => {
    const c = compareWith(
      snapshot(
        { event_rtt_ms: hist(10, p95, p99), payload_bytes: hist(1000, 2000, 3000) },
        { events_lost_rate: 0.001 },
      ),
    );
    expect(find(c, 'event_rtt_ms', 'p95')?.status).toBe(s95);
    expect(find(c, 'event_rtt_ms', 'p99')?.status).toBe(s99);
  });

  it('shows p50 without gating it, and compares non-ms histograms by percentage only', () => {
    const c = compareWith(
      snapshot({ event_rtt_ms: hist(40, 20, 100), payload_bytes: hist(1000, 2300, 3000) }),
    );
    expect(find(c, 'event_rtt_ms', 'p50')).toMatchObject({ status: 'not-gated', delta: 30, deltaPct: 300 });
    expect(find(c, 'payload_bytes', 'p95')).toMatchObject({ status: 'regression', unit: 'bytes' });
  });

  it.each([
    [0.0019, 'within-tolerance'], // +0.09 percentage points
    [0.0025, 'regression'], // +0.15 pp
    [0.0001, 'within-tolerance'], // −0.09 pp
  ] as const)('an error rate of %d against 0.001 is %s', (rate, status) => {
    const c = compareWith(snapshot({ event_rtt_ms: hist(10, 20, 100) }, { events_lost_rate: rate }));
    expect(find(c, 'events_lost_rate', 'rate')).toMatchObject({ status, unit: '%' });
  });

  it('fails baseline.no-metric-regression under its own id on a regression, passes within tolerance', () => {
    const worse = compareWith(snapshot({ event_rtt_ms: hist(10, 30, 100) }, { events_lost_rate: 0.001 }));
    const failing = baselineChecks(worse)[1];
    expect(failing).toMatchObject({ id: 'baseline.no-metric-regression', verdict: 'fail' });
    expect(failing.message).toContain('soak › event_rtt_ms p95 20 ms → 30 ms (+10 ms, +50%)');

    const same = compareWith(snapshot({ event_rtt_ms: hist(10, 21, 101) }, { events_lost_rate: 0.001 }));
    expect(baselineChecks(same)[1]).toMatchObject({ id: 'baseline.no-metric-regression', verdict: 'pass' });
  });

  it('skips the metric check when the runs share no metrics', () => {
    const c = compareRuns(
      summary([['contracts', 'contract.a', 'a', 'pass']]),
      loaded(base),
      DEFAULT_TOLERANCES,
    );
    expect(baselineChecks(c)[1]).toMatchObject({ verdict: 'skip' });
  });

  it('honours configured tolerances', () => {
    const c = compareRuns(
      summary([], { soak: snapshot({ event_rtt_ms: hist(10, 23, 100) }) }),
      loaded(base),
      {
        ...DEFAULT_TOLERANCES,
        latencyMs: 1,
      },
    );
    expect(find(c, 'event_rtt_ms', 'p95')?.status).toBe('regression');
  });

  it('finds the regressions of a slower synthetic soak and none in a run like its baseline', () => {
    const before = buildSummary(soakRun({ durationSec: 120, seed: 1 }));
    const slower = compareRuns(
      buildSummary(soakRun({ durationSec: 120, seed: 2, latencyFactor: 1.5 })),
      loaded(before),
      DEFAULT_TOLERANCES,
    );
    const regressed = slower.metrics
      .filter((m) => m.status === 'regression')
      .map((m) => `${m.metric} ${m.stat}`);
    expect(regressed).toEqual(
      expect.arrayContaining(['event_rtt_ms p95', 'event_rtt_ms p99', 'reply_latency_ms p95']),
    );
    const alike = compareRuns(
      buildSummary(soakRun({ durationSec: 120, seed: 3 })),
      loaded(before),
      DEFAULT_TOLERANCES,
    );
    expect(alike.counts.regressions).toBe(0);
  });
});

describe('baseline: like for like', () => {
  const base = summary([['contracts', 'contract.a', 'a', 'pass']]);

  it.each([
    ['profile', { profile: 'quick' }, /profile: this run is 'quick', the baseline 'full'/],
    [
      'target',
      { target: { baseUrl: 'https://staging.example.com', stack: 'url' as const } },
      /target: this run is url https:\/\/staging.example.com, the baseline local \(local stack\)/,
    ],
  ])('refuses a baseline of another %s with SHK_BASELINE_MISMATCH (exit 2)', (_what, over, message) => {
    const current = { ...base, ...over };
    let error: unknown;
    try {
      assertComparable(current, loaded(base), false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShakedownError);
    expect(error).toMatchObject({ code: 'SHK_BASELINE_MISMATCH', exitCode: 2 });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('--force');
  });

  it('compares anyway with --force and says so', () => {
    const current = { ...base, profile: 'quick' };
    const mismatches = assertComparable(current, loaded(base), true);
    const c = compareRuns(current, loaded(base), DEFAULT_TOLERANCES, mismatches);
    expect(c.mismatches).toHaveLength(1);
    expect(formatSinceBaseline(c)).toContain('compared anyway (--force)');
  });
});

describe('baseline: loading', () => {
  it('reads a run directory, its summary.json, or rebuilds a directory that has only events', () => {
    const dir = tempDir();
    const runDir = writeRunDir(path.join(dir, 'run'), soakRun({ durationSec: 30 }));
    expect(loadBaseline(runDir).summary.suites[0].name).toBe('voice-sessions');
    writeFileSync(
      path.join(runDir, 'summary.json'),
      JSON.stringify({ ...buildSummary(soakRun({ durationSec: 30 })), runId: 'from-summary' }),
    );
    expect(loadBaseline(runDir).summary.runId).toBe('from-summary');
    expect(loadBaseline(path.join(runDir, 'summary.json')).summary.runId).toBe('from-summary');
  });

  it.each([
    ['a missing path', (dir: string) => path.join(dir, 'nope'), /no such file or directory/],
    ['a file that is not JSON', (dir: string) => write(dir, 'x.json', '{oops'), /is not valid JSON/],
    [
      'JSON that is not a summary',
      (dir: string) => write(dir, 'y.json', '{"schemaVersion":2}'),
      /schemaVersion is 2, expected 1/,
    ],
    [
      'a directory that is not a run',
      (dir: string) => mkdir(dir, 'empty'),
      /is not a Shakedown run directory/,
    ],
  ])('refuses %s with SHK_RUN_DIR_INVALID', (_what, make, message) => {
    const given = make(tempDir());
    expect(() => loadBaseline(given)).toThrow(message);
    try {
      loadBaseline(given);
    } catch (error) {
      expect(error).toMatchObject({ code: 'SHK_RUN_DIR_INVALID', exitCode: 2 });
    }
  });

  function write(dir: string, name: string, text: string): string {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  }
  function mkdir(dir: string, name: string): string {
    mkdirSync(path.join(dir, name));
    return path.join(dir, name);
  }
});

describe('baseline: summary.json', () => {
  it('replaces, on rebuild, a comparison the run made with another baseline; events.ndjson keeps it', async () => {
    const dir = tempDir();
    const base = writeRunDir(
      path.join(dir, 'base'),
      soakRun({ durationSec: 30, runId: '2026-11-22T02-00-00Z-bbbbbb' }),
    );
    const events = soakRun({ durationSec: 30 });
    const end = events.pop()!;
    const at = end.at;
    events.push(
      { type: 'suite-start', at, suite: 'baseline', kind: 'baseline' },
      {
        type: 'check',
        at,
        suite: 'baseline',
        result: { id: 'baseline.no-new-failures', title: 'old', verdict: 'fail', message: 'old comparison' },
      },
      { type: 'suite-end', at, suite: 'baseline', durationMs: 0 },
      { type: 'run-end', at, extra: { baseline: { old: true } } },
    );
    const runDir = writeRunDir(path.join(dir, 'now'), events);
    const { summary: s } = await rebuildWithBaseline(runDir, [], {
      baseline: loadBaseline(base),
      tolerances: DEFAULT_TOLERANCES,
      force: false,
    });
    const suites = s.suites.filter((x) => x.kind === 'baseline');
    expect(suites).toHaveLength(1);
    expect(suites[0].checks.map((c) => c.message)).not.toContain('old comparison');
    expect(s.baseline?.baseline.runId).toBe('2026-11-22T02-00-00Z-bbbbbb');
    expect(s.baseline).not.toHaveProperty('old');
    expect(s.incomplete).toBe(false);
  });

  it('rebuilds a run with a baseline section and checks that validate against the summary schema', async () => {
    const dir = tempDir();
    const base = writeRunDir(
      path.join(dir, 'base'),
      soakRun({ durationSec: 60, seed: 1, runId: '2026-11-22T02-00-00Z-bbbbbb' }),
    );
    const runDir = writeRunDir(
      path.join(dir, 'now'),
      soakRun({ durationSec: 60, seed: 2, latencyFactor: 1.6 }),
    );
    const { summary: s } = await rebuildWithBaseline(runDir, [], {
      baseline: loadBaseline(base),
      tolerances: DEFAULT_TOLERANCES,
      force: false,
    });
    expect(s.baseline?.baseline.runId).toBe('2026-11-22T02-00-00Z-bbbbbb');
    const suite = s.suites.find((x) => x.kind === 'baseline');
    expect(suite?.checks.map((c) => [c.id, c.verdict])).toEqual([
      ['baseline.no-new-failures', 'fail'],
      ['baseline.no-metric-regression', 'fail'],
    ]);
    expect(s.verdict).toBe('fail');

    const schema = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'src/report/schema/summary.schema.json'), 'utf8'),
    );
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(JSON.parse(JSON.stringify(s))), JSON.stringify(validate.errors)).toBe(true);
  });
});
