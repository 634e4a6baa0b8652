import { type MergedWindow, type MetricView, WindowSpan } from '../metrics/aggregate.ts';
import type { ThresholdSpec } from '../metrics/threshold-set.ts';
import { compare, observe } from '../metrics/thresholds.ts';
import { type Check, defineCheck } from '../run/checks.ts';
import type { CheckResult, CheckVerdict, Evidence } from '../run/model.ts';

export const soakThresholdsCheck = defineCheck(import.meta.url, {
  id: 'soak.thresholds',
  title: 'Soak thresholds hold',
  verifies:
    "Every threshold of the soak script's options and of the config holds: over the run (latencies after warm-up, counts over all of it), or in every span after warm-up for a windowed one ('p(99)<900 over 60s').",
  failsWhen:
    'A threshold is broken (an abortOnFail one also stops the run early), or a script threshold names a metric the soak does not record, so it cannot hold.',
  fix: 'Look at the metric around the failing windows in the report and fix what is slow or failing then (a blocked event loop, a stall, a slow dependency); a threshold tighter than the real objective should be set to the real one.',
  severity: 'blocking',
  proof: { faults: ['soak-stall'] },
});

interface SpanResult {
  startMs: number;
  endMs: number;
  observed: number;
}

interface WindowState {
  spec: ThresholdSpec;
  spanWindows: number;
  evaluated: number;
  failures: SpanResult[];
  failureCount: number;
  worst: SpanResult | null;
  problem: string | null;
  /** The steady run was shorter than one span and was judged as a whole. */
  shortRun: boolean;
}

const FAILURES_KEPT = 20;
const SCOPE_NOTE = ' (latency histograms count after warm-up only)';
/** What a whole-run value covers (see RunTotals): latency is judged on the steady state, losses on everything. */
const SCOPE = {
  histogram: 'the run after warm-up',
  gauge: 'the windows after warm-up',
  counter: 'the whole run',
  rate: 'the whole run',
} as const;

/**
 * Evaluates the run's thresholds: whole-run ones at the end (and, for `abortOnFail`, at each window),
 * window ones (`… over 60s`) on every span of consecutive windows after warm-up as the windows close.
 * Only the last few windows are kept, so memory does not grow with the run. Shared by the soak and
 * load engines and the k6 import, each making its results through its own thresholds check.
 */
export class ThresholdTracker {
  readonly #specs: readonly ThresholdSpec[];
  readonly #windowStates: WindowState[];
  readonly #ring: MergedWindow[] = [];
  readonly #ringSize: number;
  readonly #windowMs: number;
  readonly #check: Check;
  readonly #engine: string;

  /** `check`: the engine's thresholds check (soak's by default). */
  constructor(specs: readonly ThresholdSpec[], windowMs: number, check: Check = soakThresholdsCheck) {
    this.#specs = specs;
    this.#check = check;
    this.#engine = check.id.split('.')[0];
    this.#windowMs = windowMs;
    this.#windowStates = specs
      .filter((spec) => spec.expression.overSec !== undefined)
      .map((spec) => ({
        spec,
        spanWindows: Math.max(1, Math.round((spec.expression.overSec! * 1000) / windowMs)),
        evaluated: 0,
        failures: [],
        failureCount: 0,
        worst: null,
        problem: null,
        shortRun: false,
      }));
    this.#ringSize = Math.max(1, ...this.#windowStates.map((s) => s.spanWindows));
  }

  get specs(): readonly ThresholdSpec[] {
    return this.#specs;
  }

  /**
   * Takes a window judged by the window thresholds (after warm-up, before the drain) and returns the
   * `abortOnFail` window thresholds it broke.
   */
  addWindow(window: MergedWindow, elapsedMs: number): ThresholdSpec[] {
    this.#ring.push(window);
    if (this.#ring.length > this.#ringSize) this.#ring.shift();
    const broken: ThresholdSpec[] = [];
    for (const state of this.#windowStates) {
      if (this.#ring.length < state.spanWindows) continue;
      const ok = this.#evaluateSpan(state, this.#ring.slice(-state.spanWindows));
      if (!ok && state.spec.abortOnFail && elapsedMs >= state.spec.delayAbortSec * 1000)
        broken.push(state.spec);
    }
    return broken;
  }

  /** `abortOnFail` whole-run thresholds that fail on the totals so far. */
  brokenSoFar(totals: MetricView, elapsedMs: number): ThresholdSpec[] {
    return this.#specs.filter((spec) => {
      if (!spec.abortOnFail || spec.expression.overSec !== undefined) return false;
      if (elapsedMs < spec.delayAbortSec * 1000) return false;
      const observation = observe(spec.expression, spec.metric, totals);
      return observation.ok && !compare(observation.observed, spec.expression.op, spec.expression.value);
    });
  }

  /** One result per threshold. `abortedBy` names the threshold that stopped the run, if one did. */
  results(totals: MetricView, abortedBy: ThresholdSpec | null): CheckResult[] {
    for (const state of this.#windowStates) {
      // A run shorter than the span after warm-up is judged once, over all of it.
      if (state.evaluated === 0 && this.#ring.length > 0) {
        state.shortRun = true;
        this.#evaluateSpan(state, this.#ring);
      }
    }
    return this.#specs.map((spec) => {
      const result =
        spec.expression.overSec === undefined
          ? this.#wholeRunResult(spec, totals)
          : this.#windowResult(this.#windowStates.find((s) => s.spec === spec)!);
      if (spec === abortedBy) result.message += ' It aborted the run (abortOnFail).';
      return result;
    });
  }

  #result(verdict: CheckVerdict, title: string, message: string, evidence: Evidence): CheckResult {
    return this.#check.result(verdict, message, { title, evidence });
  }

  #evaluateSpan(state: WindowState, windows: MergedWindow[]): boolean {
    const span = new WindowSpan(windows);
    const { expression, metric } = state.spec;
    const observation = observe(expression, metric, span);
    if (!observation.ok) {
      // A window without samples (no events yet) is not a violation; a wrong aggregation is.
      if (observation.metricKind) state.problem = observation.problem;
      return true;
    }
    const result = { startMs: span.startMs, endMs: span.endMs, observed: observation.observed };
    state.evaluated += 1;
    if (!state.worst || worse(expression.op, result.observed, state.worst.observed)) state.worst = result;
    const ok = compare(observation.observed, expression.op, expression.value);
    if (!ok) {
      state.failureCount += 1;
      if (state.failures.length < FAILURES_KEPT) state.failures.push(result);
    }
    return ok;
  }

  #wholeRunResult(spec: ThresholdSpec, totals: MetricView): CheckResult {
    const { expression, metric } = spec;
    const title = `${metric}: ${expression.source}`;
    const observation = observe(expression, metric, totals);
    const threshold = {
      metric,
      expression: expression.source,
      stat: expression.stat,
      op: expression.op,
      value: expression.value,
    };
    if (!observation.ok) {
      const skip = spec.origin === 'config' && !observation.metricKind;
      return this.#result(
        skip ? 'skip' : 'fail',
        title,
        skip
          ? `${observation.problem} by this ${this.#engine}; the config threshold may be meant for another engine.`
          : `${observation.problem}${SCOPE_NOTE}: the threshold cannot hold. Check the metric name against the ${this.#engine}'s metrics, and the log for failures.`,
        { threshold: { ...threshold, observed: null } },
      );
    }
    const ok = compare(observation.observed, expression.op, expression.value);
    const scope = SCOPE[observation.metricKind];
    return this.#result(
      ok ? 'pass' : 'fail',
      title,
      `${expression.stat} of ${metric} over ${scope} was ${format(observation.observed)}; the threshold ${expression.source} ${ok ? 'holds' : 'is broken'}.`,
      { threshold: { ...threshold, observed: observation.observed } },
    );
  }

  #windowResult(state: WindowState): CheckResult {
    const { expression, metric } = state.spec;
    const title = `${metric}: ${expression.source}`;
    const threshold = {
      metric,
      expression: expression.source,
      stat: expression.stat,
      op: expression.op,
      value: expression.value,
      observed: state.worst?.observed ?? null,
      window: (state.spanWindows * this.#windowMs) / 1000,
    };
    const spans = `${state.spanWindows}-window span${state.spanWindows === 1 ? '' : 's'} of ${threshold.window} s`;
    if (state.problem || state.evaluated === 0) {
      return this.#result(
        'fail',
        title,
        state.problem ??
          `no ${spans} after warm-up had samples of ${metric}: the run is too short for this threshold or the metric name is wrong.`,
        { threshold },
      );
    }
    const ok = state.failureCount === 0;
    if (state.shortRun) {
      const worst = state.worst!;
      return this.#result(
        ok ? 'pass' : 'fail',
        title,
        `${expression.stat} of ${metric} was ${format(worst.observed)} over the ${seconds(worst.endMs - worst.startMs)} after warm-up (shorter than one ${threshold.window} s span, so judged as a whole); the threshold ${expression.source} ${ok ? 'holds' : 'is broken'}.`,
        { threshold, failedWindows: state.failures, worstWindow: worst },
      );
    }
    return this.#result(
      ok ? 'pass' : 'fail',
      title,
      ok
        ? `${expression.stat} of ${metric} held in all ${state.evaluated} ${spans} after warm-up (worst ${format(state.worst!.observed)}).`
        : `${expression.stat} of ${metric} broke ${expression.source} in ${state.failureCount} of ${state.evaluated} ${spans} (worst ${format(state.worst!.observed)} at ${seconds(state.worst!.startMs)}–${seconds(state.worst!.endMs)}).`,
      { threshold, failedWindows: state.failures, worstWindow: state.worst },
    );
  }
}

/** Whether `a` is further on the failing side of the operator than `b`. */
function worse(op: string, a: number, b: number): boolean {
  if (op === '<' || op === '<=') return a > b;
  if (op === '>' || op === '>=') return a < b;
  return false;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
