import { defineCheck } from '../../run/checks.ts';
import type {
  BaselineComparison,
  BaselineTolerances,
  CheckResult,
  RunEvent,
  RunSummary,
} from '../../run/model.ts';
import type { RunRecorder } from '../../run/recorder.ts';
import type { Reporter } from '../../run/reporter.ts';
import { ReporterMultiplexer } from '../../run/reporter.ts';
import { readEvents } from '../../run/run-dir.ts';
import { buildSummary } from '../../run/summary.ts';
import { assertComparable, compareRuns } from './compare.ts';
import { describeCheckChange, describeMetricDelta, formatValue } from './format.ts';
import type { LoadedBaseline } from './load.ts';

export const BASELINE_SUITE = 'baseline';
const LISTED_IN_EVIDENCE = 50;

export const noNewFailuresCheck = defineCheck(import.meta.url, {
  id: 'baseline.no-new-failures',
  title: 'No check fails that did not fail in the baseline',
  verifies:
    'Compared with the baseline run (--baseline: a run directory or its summary.json), no check fails now that passed, warned or did not exist then.',
  failsWhen:
    'A check fails that did not fail in the baseline: something regressed since (the nightly run against the previous night’s, say).',
  fix: 'Open the newly failing checks in the report (the comparison lists what newly fails, what was fixed and what still fails) and fix what they report.',
  severity: 'blocking',
  proof: {
    exempt:
      'compares two runs, not the target: proven by a rate-limit-off run against a healthy baseline (test/report/baseline.e2e.test.ts).',
  },
});

export const noMetricRegressionCheck = defineCheck(import.meta.url, {
  id: 'baseline.no-metric-regression',
  title: 'No latency percentile or error rate is worse than the baseline beyond tolerance',
  verifies:
    'The whole-suite latency percentiles and error rates of the soak and load suites are within the baseline tolerances (percent and absolute for latency, percentage points for rates) of the baseline run’s.',
  failsWhen:
    'A latency percentile is worse by more than both tolerances, or a rate by more than its points. Skipped when the runs share no whole-suite metric.',
  fix: 'Look at the regressed metric over time in both reports, find the change between the two runs that explains it, or loosen the config’s baseline section (latencyPct, latencyMs, ratePctPoints) when the change is intended.',
  severity: 'blocking',
  proof: {
    exempt:
      'compares two runs, not the target: proven by a soak-stall run against a healthy baseline (test/report/baseline.e2e.test.ts).',
  },
});

/** The two checks a nightly job fails on: no new failures, no metric regression. */
export function baselineChecks(c: BaselineComparison): CheckResult[] {
  return [noNewFailures(c), noMetricRegression(c)];
}

function noNewFailures(c: BaselineComparison): CheckResult {
  const { newFailures, fixed, stillFailing, compared, added } = c.checks;
  const evidence = {
    baselineRunId: c.baseline.runId,
    newFailures: newFailures.slice(0, LISTED_IN_EVIDENCE),
    fixed: fixed.slice(0, LISTED_IN_EVIDENCE),
    stillFailing: stillFailing.slice(0, LISTED_IN_EVIDENCE),
    errors: newFailures.map((f) => `${describeCheckChange(f)}: ${f.message}`),
  };
  if (compared + added === 0) {
    return noNewFailuresCheck.skip('this run recorded no checks to compare', evidence);
  }
  if (newFailures.length > 0) {
    const ids = [...new Set(newFailures.map((f) => f.id))];
    return noNewFailuresCheck.fail(
      `${newFailures.length} check(s) fail that did not fail in baseline ${c.baseline.runId}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`,
      evidence,
    );
  }
  return noNewFailuresCheck.pass(
    `no new failures since baseline ${c.baseline.runId}: ${compared} checks compared, ${fixed.length} fixed, ${stillFailing.length} still failing${added ? `, ${added} new passing` : ''}`,
    evidence,
  );
}

function noMetricRegression(c: BaselineComparison): CheckResult {
  const regressions = c.metrics.filter((m) => m.status === 'regression');
  const evidence = {
    baselineRunId: c.baseline.runId,
    tolerances: c.tolerances,
    regressions,
    errors: regressions.map(describeMetricDelta),
  };
  const gated = c.metrics.filter((m) => m.status !== 'not-gated');
  if (gated.length === 0) {
    return noMetricRegressionCheck.skip(
      `no whole-suite metrics in common with baseline ${c.baseline.runId} (soak and load suites record them)`,
      evidence,
    );
  }
  if (regressions.length > 0) {
    return noMetricRegressionCheck.fail(
      `${regressions.length} metric(s) regressed beyond tolerance since baseline ${c.baseline.runId}: ${regressions.slice(0, 3).map(describeMetricDelta).join('; ')}${regressions.length > 3 ? '; …' : ''}`,
      evidence,
    );
  }
  return noMetricRegressionCheck.pass(
    `${gated.length} numbers within tolerance of baseline ${c.baseline.runId} (${describeTolerances(c.tolerances)}); ${c.counts.improvements} improved`,
    evidence,
  );
}

export function describeTolerances(t: BaselineTolerances): string {
  return `${t.percentiles.join('/')} worse by > ${t.latencyPct}% and > ${formatValue(t.latencyMs, 'ms')}, rates worse by > ${t.ratePctPoints} pp`;
}

/**
 * Runs the comparison at the end of a run: the run so far is read back from events.ndjson (the
 * source of truth), and the verdicts become checks in a `baseline` suite like any other.
 */
export async function recordBaselineComparison(
  recorder: RunRecorder,
  baseline: LoadedBaseline,
  tolerances: BaselineTolerances,
  mismatches: string[],
): Promise<BaselineComparison> {
  const current = buildSummary(readEvents(recorder.runDir).events);
  const comparison = compareRuns(current, baseline, tolerances, mismatches);
  const suite = await recorder.suite(BASELINE_SUITE, 'baseline');
  for (const result of baselineChecks(comparison)) await suite.check(result);
  await suite.end();
  return comparison;
}

export interface RebuildWithBaselineResult {
  summary: RunSummary;
  skippedLines: number;
  reporterFailures: ReporterMultiplexer['failures'];
}

/**
 * `shakedown report <runDir> --baseline <b>`: the rebuilt outputs carry a fresh comparison (any the
 * run made itself is replaced); events.ndjson stays as recorded.
 */
export async function rebuildWithBaseline(
  runDir: string,
  reporters: readonly Reporter[],
  options: { baseline: LoadedBaseline; tolerances: BaselineTolerances; force: boolean },
): Promise<RebuildWithBaselineResult> {
  const { events, skippedLines } = readEvents(runDir);
  const own = withoutBaseline(events);
  const current = buildSummary(own);
  const mismatches = assertComparable(current, options.baseline, options.force);
  const comparison = compareRuns(current, options.baseline, options.tolerances, mismatches);

  const at = own[own.length - 1].at;
  const added: RunEvent[] = [
    { type: 'suite-start', at, suite: BASELINE_SUITE, kind: 'baseline' },
    ...baselineChecks(comparison).map(
      (result): RunEvent => ({ type: 'check', at, suite: BASELINE_SUITE, result }),
    ),
    { type: 'suite-end', at, suite: BASELINE_SUITE, durationMs: 0 },
  ];
  const end = own.findIndex((e) => e.type === 'run-end');
  const merged = end < 0 ? [...own, ...added] : [...own.slice(0, end), ...added, ...own.slice(end)];
  const summary = buildSummary(merged);
  summary.baseline = comparison;

  const mux = new ReporterMultiplexer(reporters);
  await mux.emit('onRunEnd', summary, runDir);
  return { summary, skippedLines, reporterFailures: mux.failures };
}

/** The run's own events, without a comparison it made against some other baseline. */
function withoutBaseline(events: readonly RunEvent[]): RunEvent[] {
  const baselineSuites = new Set(
    events.flatMap((e) => (e.type === 'suite-start' && e.kind === 'baseline' ? [e.suite] : [])),
  );
  return events.flatMap((e): RunEvent[] => {
    if ('suite' in e && baselineSuites.has(e.suite)) return [];
    if (e.type === 'run-end' && e.extra && 'baseline' in e.extra) {
      const { baseline: _dropped, ...extra } = e.extra;
      return [{ ...e, extra }];
    }
    return [e];
  });
}
