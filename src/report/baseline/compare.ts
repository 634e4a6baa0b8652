import { ShakedownError } from '../../errors.ts';
import type {
  BaselineComparison,
  BaselineTolerances,
  CheckChange,
  CheckResult,
  CheckVerdict,
  MetricDelta,
  MetricsSnapshot,
  RunSummary,
  TargetInfo,
} from '../../run/model.ts';
import { unitOf } from './format.ts';
import type { LoadedBaseline } from './load.ts';

/** What makes two runs like for like. */
export interface RunIdentity {
  profile: string;
  target: TargetInfo;
}

/** Reasons two runs are not comparable; empty when they are. */
export function mismatchesBetween(current: RunIdentity, baseline: RunIdentity): string[] {
  const out: string[] = [];
  if (current.profile !== baseline.profile) {
    out.push(`profile: this run is '${current.profile}', the baseline '${baseline.profile}'`);
  }
  // A stack Shakedown starts gets a fresh loopback port every run: its URL says nothing about identity.
  const same =
    current.target.stack === baseline.target.stack &&
    (current.target.stack !== 'url' || current.target.baseUrl === baseline.target.baseUrl);
  if (!same) {
    out.push(
      `target: this run is ${describeTarget(current.target)}, the baseline ${describeTarget(baseline.target)}`,
    );
  }
  return out;
}

/**
 * Refuses a baseline of another profile or target unless forced: a `quick` soak is not a regression
 * of last night's `full` one. Returns the mismatches accepted by `force`, for the report to show.
 */
export function assertComparable(current: RunIdentity, baseline: LoadedBaseline, force: boolean): string[] {
  const mismatches = mismatchesBetween(current, baseline.summary);
  if (mismatches.length > 0 && !force) {
    throw new ShakedownError(
      'SHK_BASELINE_MISMATCH',
      `refusing to compare with baseline ${baseline.source}: ${mismatches.join('; ')}. Use a baseline of the same profile and target, or pass --force to compare anyway.`,
    );
  }
  return mismatches;
}

export function describeTarget(target: TargetInfo): string {
  return `${target.stack} ${target.baseUrl}`;
}

interface KeyedCheck {
  suite: string;
  check: CheckResult;
}

/**
 * A check's identity across runs: suite, id and title (contract checks share an id per rule and
 * differ by title per operation). Repeats of the same identity are numbered in recorded order.
 */
export function keyedChecks(summary: RunSummary): Map<string, KeyedCheck> {
  const out = new Map<string, KeyedCheck>();
  for (const suite of summary.suites) {
    if (suite.kind === 'baseline') continue;
    for (const check of suite.checks ?? []) {
      const base = checkKey(suite.name, check);
      let key = base;
      for (let n = 2; out.has(key); n += 1) key = `${base}#${n}`;
      out.set(key, { suite: suite.name, check });
    }
  }
  return out;
}

export function checkKey(suite: string, check: Pick<CheckResult, 'id' | 'title'>): string {
  return `${suite}\u001f${check.id}\u001f${check.title}`;
}

const PASSING: ReadonlySet<CheckVerdict> = new Set(['pass', 'warn']);

export function compareRuns(
  current: RunSummary,
  baseline: LoadedBaseline,
  tolerances: BaselineTolerances,
  mismatches: string[] = [],
): BaselineComparison {
  const before = keyedChecks(baseline.summary);
  const now = keyedChecks(current);
  const newFailures: CheckChange[] = [];
  const fixed: CheckChange[] = [];
  const stillFailing: CheckChange[] = [];
  let compared = 0;
  for (const [key, { suite, check }] of now) {
    const was = before.get(key)?.check.verdict ?? null;
    if (was !== null) compared += 1;
    const change: CheckChange = {
      suite,
      id: check.id,
      title: check.title,
      verdict: check.verdict,
      baselineVerdict: was,
      message: check.message,
    };
    if (check.verdict === 'fail') (was === 'fail' ? stillFailing : newFailures).push(change);
    else if (was === 'fail' && PASSING.has(check.verdict)) fixed.push(change);
  }
  const missing = [...before.keys()].filter((key) => !now.has(key)).length;
  const metrics = compareMetrics(current, baseline.summary, tolerances);
  const b = baseline.summary;
  return {
    baseline: {
      source: baseline.source,
      runId: b.runId,
      startedAt: b.startedAt,
      profile: b.profile,
      target: b.target,
      incomplete: Boolean(b.incomplete),
    },
    mismatches,
    tolerances,
    counts: {
      newFailures: newFailures.length,
      fixed: fixed.length,
      stillFailing: stillFailing.length,
      regressions: metrics.filter((m) => m.status === 'regression').length,
      improvements: metrics.filter((m) => m.status === 'improvement').length,
    },
    checks: { compared, added: now.size - compared, missing, newFailures, fixed, stillFailing },
    metrics,
  };
}

const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;
/** Shown beside the numbers even when not gated, so a p50 that doubled is visible. */
const ALWAYS_SHOWN: ReadonlySet<string> = new Set(['p50', 'p95', 'p99']);

/** Whole-suite metrics of suites present in both runs (matched by name). */
function compareMetrics(current: RunSummary, baseline: RunSummary, tol: BaselineTolerances): MetricDelta[] {
  const out: MetricDelta[] = [];
  for (const suite of current.suites) {
    const base = baseline.suites.find((s) => s.name === suite.name && s.kind === suite.kind);
    if (!suite.metrics || !base?.metrics) continue;
    out.push(...compareHistograms(suite.name, suite.metrics, base.metrics, tol));
    out.push(...compareRates(suite.name, suite.metrics, base.metrics, tol));
  }
  return out;
}

function compareHistograms(
  suite: string,
  now: MetricsSnapshot,
  before: MetricsSnapshot,
  tol: BaselineTolerances,
): MetricDelta[] {
  const out: MetricDelta[] = [];
  const gated: ReadonlySet<string> = new Set(tol.percentiles);
  for (const [metric, h] of Object.entries(now.histograms ?? {})) {
    const b = before.histograms?.[metric];
    if (!b || !(h.count > 0) || !(b.count > 0)) continue;
    const unit = unitOf(metric);
    for (const stat of PERCENTILES) {
      if (!gated.has(stat) && !ALWAYS_SHOWN.has(stat)) continue;
      const delta = h[stat] - b[stat];
      const beyond = (d: number) =>
        d > (b[stat] * tol.latencyPct) / 100 && (unit !== 'ms' || d > tol.latencyMs);
      out.push(
        metricDelta(
          suite,
          metric,
          stat,
          unit,
          b[stat],
          h[stat],
          gated.has(stat) ? judge(delta, beyond) : 'not-gated',
        ),
      );
    }
  }
  return out;
}

/** Rates are failure ratios (lost, errors) unless the name says otherwise; shown in percent. */
function compareRates(
  suite: string,
  now: MetricsSnapshot,
  before: MetricsSnapshot,
  tol: BaselineTolerances,
): MetricDelta[] {
  const out: MetricDelta[] = [];
  for (const [metric, rate] of Object.entries(now.rates ?? {})) {
    const b = before.rates?.[metric];
    if (typeof b !== 'number' || typeof rate !== 'number') continue;
    const higherIsBetter = /(^|_)(success|pass|ok|hit)(_|$)/.test(metric);
    const worse = (higherIsBetter ? b - rate : rate - b) * 100;
    const beyond = (d: number) => d > tol.ratePctPoints + 1e-9;
    out.push(metricDelta(suite, metric, 'rate', '%', b * 100, rate * 100, judge(worse, beyond)));
  }
  return out;
}

/** `worse` is positive when the number got worse; `beyond` says whether a change exceeds tolerance. */
function judge(worse: number, beyond: (d: number) => boolean): MetricDelta['status'] {
  if (beyond(worse)) return 'regression';
  if (beyond(-worse)) return 'improvement';
  return 'within-tolerance';
}

function metricDelta(
  suite: string,
  metric: string,
  stat: string,
  unit: string,
  baseline: number,
  current: number,
  status: MetricDelta['status'],
): MetricDelta {
  const delta = current - baseline;
  return {
    suite,
    metric,
    stat,
    unit,
    baseline: round(baseline),
    current: round(current),
    delta: round(delta),
    deltaPct: baseline === 0 ? null : round((delta / baseline) * 100),
    status,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
