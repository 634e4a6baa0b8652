import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExitCodeValue } from '../errors.ts';
import { ShakedownError } from '../errors.ts';
import { thresholdsCheck } from '../load/verdicts.ts';
import { RunTotals } from '../metrics/aggregate.ts';
import {
  compileThresholds,
  mergeThresholds,
  type ThresholdEntry,
  type ThresholdSpec,
} from '../metrics/threshold-set.ts';
import { assertComparable } from '../report/baseline/compare.ts';
import type { LoadedBaseline } from '../report/baseline/load.ts';
import { recordBaselineComparison } from '../report/baseline/record.ts';
import { defineCheck } from '../run/checks.ts';
import type { BaselineTolerances, CheckResult, RunSummary, TargetInfo } from '../run/model.ts';
import { RunRecorder, type SuiteRecorder } from '../run/recorder.ts';
import type { Redactor } from '../run/redact.ts';
import type { Reporter } from '../run/reporter.ts';
import { createRunDir, newRunId } from '../run/run-dir.ts';
import { exitCodeFor, SHAKEDOWN_VERSION } from '../runner.ts';
import { ThresholdTracker } from '../soak/threshold-tracker.ts';
import { K6Results, seriesFilter } from './results.ts';

export const K6_SUITE = 'k6';
const CHECK_ID = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export const resultsCompleteCheck = defineCheck(import.meta.url, {
  id: 'k6.results-complete',
  title: 'Every k6 results file is complete',
  verifies:
    'Every k6 JSON output file imported (one per pod or machine) ends with a complete line, so no k6 process was cut off while writing.',
  failsWhen:
    'A file ends with a cut-off line: its k6 process was killed before it finished, so the results are partial and the run cannot pass.',
  fix: 'Re-run the k6 test (giving its pods the time and resources to finish), or import only the complete files.',
  severity: 'blocking',
  proof: {
    exempt:
      'judges the k6 output files being imported, not the target: proven with a results file cut off mid-line (test/e2e/k6-import.e2e.test.ts).',
  },
});

export const ownK6Check = defineCheck(import.meta.url, {
  id: 'k6.check',
  title: 'A check() of your k6 script held',
  verifies:
    'Each check() of your own k6 script held in every evaluation, on every pod. The result is titled with the check’s name; a check named like a Shakedown check id (contract.status-documented) keeps that id instead.',
  failsWhen: 'Any evaluation of the check failed, on any pod.',
  fix: 'Read the check in your k6 script and the requests it judged; the evidence counts passes and fails (per operation when the check is tagged with one).',
  severity: 'blocking',
  proof: {
    exempt:
      'judges the checks of your own k6 script, as imported from k6’s output, not the target: proven with a failing check() in imported results (test/e2e/k6-import.e2e.test.ts).',
  },
});

export interface ImportOptions {
  files: readonly string[];
  /** Where the run directory goes (`reports/`). */
  outDir: string;
  windowSec: number;
  warmupSec: number;
  /** The config's thresholds (k6 syntax, window form included); k6's own come from the results. */
  thresholds: Readonly<Record<string, readonly ThresholdEntry[]>>;
  profile: string;
  target: TargetInfo;
  redactor: Redactor;
  reporters: Reporter[];
  baseline?: { loaded: LoadedBaseline; force: boolean; tolerances: BaselineTolerances };
}

export interface ImportOutcome {
  summary: RunSummary;
  runDir: string;
  exitCode: ExitCodeValue;
}

/**
 * `shakedown k6 import`: k6 `--out json` files, one per pod, merged into one Shakedown run directory:
 * the same windows and whole-run metrics a local run records, the thresholds (window form included)
 * judged on them, k6 checks as check results, and the baseline comparison.
 */
export async function importK6Results(options: ImportOptions): Promise<ImportOutcome> {
  for (const file of options.files) {
    if (!existsSync(file))
      throw new ShakedownError(
        'SHK_RUN_DIR_INVALID',
        `${file} does not exist: pass the files k6 wrote with --out json=<file>.`,
      );
  }
  const results = new K6Results(options.windowSec, Object.keys(options.thresholds));
  for (const file of options.files) await results.addFile(path.resolve(file));
  const thresholds = judgedThresholds(results, options.thresholds);
  const mismatches = options.baseline
    ? assertComparable(
        { profile: options.profile, target: options.target },
        options.baseline.loaded,
        options.baseline.force,
      )
    : [];

  const runId = newRunId();
  const runDir = createRunDir(path.resolve(options.outDir), runId);
  const recorder = new RunRecorder({
    runId,
    runDir,
    command: `k6 import ${options.files.map((f) => path.basename(f)).join(' ')}`,
    profile: options.profile,
    shakedownVersion: SHAKEDOWN_VERSION,
    target: options.target,
    redactor: options.redactor,
    reporters: options.reporters,
  });
  await recorder.start();
  const suite = await recorder.suite(K6_SUITE, 'load');
  await suite.log(
    'info',
    `${results.points} k6 points from ${results.files} file${results.files === 1 ? '' : 's'} (pods merged), from ${results.startedAt?.toISOString()}, in ${options.windowSec} s windows${options.warmupSec > 0 ? `, first ${options.warmupSec} s warm-up` : ''}.`,
  );
  if (results.skippedLines > 0)
    await suite.log(
      'warn',
      `${results.skippedLines} line(s) that are not k6 points (logs, a cut-off line) were skipped.`,
    );
  await recordWindows(suite, results, thresholds, options.warmupSec * 1000);
  for (const result of checkResults(results)) await suite.check(result);
  await suite.check(completeness(results));
  await suite.end();

  const baseline = options.baseline
    ? await recordBaselineComparison(
        recorder,
        options.baseline.loaded,
        options.baseline.tolerances,
        mismatches,
      )
    : undefined;
  const summary = await recorder.finish(baseline ? { extra: { baseline } } : {});
  return { summary, runDir, exitCode: exitCodeFor(summary) };
}

/** k6's own thresholds (from the results) and the config's; the config's replace k6's on the same stat. */
function judgedThresholds(
  results: K6Results,
  config: Readonly<Record<string, readonly ThresholdEntry[]>>,
): ThresholdSpec[] {
  const byKey = (entries: Record<string, readonly ThresholdEntry[]>) =>
    Object.fromEntries(Object.entries(entries).map(([k, list]) => [seriesFilter(k).key, list]));
  const fromK6 = Object.fromEntries([...results.thresholds].map(([key, set]) => [key, [...set]]));
  // The config speaks for every engine; its thresholds on metrics these results lack are not theirs.
  const fromConfig = Object.fromEntries(
    Object.entries(config).filter(([key]) => results.hasMetric(seriesFilter(key).metric)),
  );
  try {
    return mergeThresholds(
      compileThresholds(byKey(fromK6), 'script'),
      compileThresholds(byKey(fromConfig), 'config'),
    );
  } catch (error) {
    if (!(error instanceof AggregateError)) throw error;
    throw new ShakedownError('SHK_CONFIG_INVALID', `invalid thresholds:\n${error.message}`);
  }
}

async function recordWindows(
  suite: SuiteRecorder,
  results: K6Results,
  thresholds: ThresholdSpec[],
  warmupMs: number,
): Promise<void> {
  const tracker = new ThresholdTracker(thresholds, results.windowMs);
  const totals = new RunTotals();
  for (const window of results.windows()) {
    const afterWarmup = window.startMs >= warmupMs;
    totals.add(window, afterWarmup);
    await suite.interval({ startMs: window.startMs, endMs: window.endMs, metrics: window.snapshot() });
    if (afterWarmup) tracker.addWindow(window, window.endMs);
  }
  suite.metrics(totals.snapshot());
  for (const result of tracker.results(totals, null))
    await suite.check(
      thresholdsCheck.result(result.verdict, result.message, {
        title: result.title,
        evidence: result.evidence,
      }),
    );
}

/** A pod killed mid-run leaves a cut-off last line: its results are partial, so the run cannot pass. */
function completeness(results: K6Results): CheckResult {
  if (results.truncated.length > 0) {
    return resultsCompleteCheck.fail(
      `${results.truncated.join(', ')} end${results.truncated.length === 1 ? 's' : ''} with a cut-off line: the k6 process was killed before it finished, so the results are partial. Re-run, or import the complete files only.`,
      { truncated: results.truncated },
    );
  }
  return resultsCompleteCheck.pass(
    `all ${results.files} file${results.files === 1 ? '' : 's'} end with a complete line (no k6 process was cut off while writing).`,
  );
}

/** k6 checks: one result per check (and operation), failed when any of its evaluations failed. */
function checkResults(results: K6Results): CheckResult[] {
  return [...results.checks.values()].map((tally) => {
    const total = tally.passes + tally.fails;
    const where = tally.operation ? ` on ${tally.operation}` : '';
    const result = ownK6Check.result(
      tally.fails === 0 ? 'pass' : 'fail',
      tally.fails === 0
        ? `held in all ${total} k6 evaluation${total === 1 ? '' : 's'}${where}.`
        : `failed ${tally.fails} of ${total} k6 evaluation${total === 1 ? '' : 's'}${where}.`,
      {
        title: `${tally.name}${where}`,
        evidence: {
          passes: tally.passes,
          fails: tally.fails,
          ...(tally.operation ? { operation: tally.operation } : {}),
        },
      },
    );
    // k6's own name when it is an id (the exported scripts name their checks after the engines').
    return CHECK_ID.test(tally.name) ? { ...result, id: tally.name } : result;
  });
}
