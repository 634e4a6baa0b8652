import type { MergedWindow, RunTotals } from '../../metrics/aggregate.ts';
import { Histogram, round3 } from '../../metrics/histogram.ts';
import { compareDrift, monotonicTrend, RISING_Z } from '../../metrics/trend.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import { signed } from '../leak.ts';
import type { SoakPlan } from '../plan.ts';

export const latencyDriftCheck = defineCheck(import.meta.url, {
  id: 'soak.latency-drift',
  title: 'No latency drift',
  verifies:
    'The p95 acknowledgement latency of events (event_rtt_ms) does not rise over the steady state: the last fifth of the windows is not slower than the first by more than soak.drift.maxFactor and soak.drift.minDeltaMs, with a consistent rise across windows where there are enough.',
  failsWhen:
    'Latency climbs steadily as the run goes on: work that grows with what the service has handled (a list scanned per request, a growing queue or cache, timers piling up).',
  fix: 'Profile the service late in a long run and look for per-request work that grows with history; bound the structures that grow, and index what is scanned.',
  severity: 'blocking',
  proof: { faults: ['soak-drift'] },
});

/** Below this many steady windows a trend test cannot reach significance: only the ends are compared. */
const MIN_TREND_WINDOWS = 4;

/**
 * Keeps the first and last fifth of the steady windows' latency histograms (encoded, a fixed number
 * of them) and one p95 per window for the trend test.
 */
export class LatencyDriftJudge {
  readonly #plan: SoakPlan;
  readonly #first: string[] = [];
  readonly #last: string[] = [];
  readonly #keep: number;
  /** p95 of event_rtt_ms per steady window: one number a window, for the trend test. */
  readonly #p95ByWindow: number[] = [];
  #steadyWindows = 0;

  constructor(plan: SoakPlan) {
    this.#plan = plan;
    const plannedSteady = Math.max(1, Math.floor((plan.steadyToMs - plan.steadyFromMs) / plan.windowMs));
    this.#keep = Math.max(1, Math.floor(plannedSteady / 5));
  }

  addWindow(window: MergedWindow): void {
    this.#steadyWindows += 1;
    const rtt = window.histogram('event_rtt_ms');
    const encoded = rtt ? rtt.encode() : new Histogram().encode();
    if (rtt && rtt.count > 0) this.#p95ByWindow.push(rtt.percentile(95));
    if (this.#first.length < this.#keep) this.#first.push(encoded);
    this.#last.push(encoded);
    if (this.#last.length > this.#keep) this.#last.shift();
  }

  result(totals: RunTotals): CheckResult {
    const n = this.#steadyWindows;
    if (n < 2 || (totals.counter('events_acked') ?? 0) === 0) {
      return latencyDriftCheck.skip(
        `not enough to compare: ${n} steady window${n === 1 ? '' : 's'} after warm-up and ${totals.counter('events_acked') ?? 0} acked events.`,
      );
    }
    const k = Math.max(1, Math.floor(n / 5));
    const first = Histogram.decodeAll(this.#first.slice(0, k));
    const last = Histogram.decodeAll(this.#last.slice(-k));
    const { maxFactor, minDeltaMs } = this.#plan.drift;
    const bounds = { maxFactor, minDelta: minDeltaMs };
    const ends = compareDrift(first.percentile(95), last.percentile(95), bounds);
    const spanSec = (k * this.#plan.windowMs) / 1000;
    // With enough windows, noise-aware: the per-window p95 must rise consistently (Mann-Kendall), and
    // the size of the rise is read off a Theil-Sen line, so one spiky window on a busy machine neither
    // makes a drift nor hides one. With fewer windows only the two ends can be compared.
    const trend = this.#p95ByWindow.length >= MIN_TREND_WINDOWS ? monotonicTrend(this.#p95ByWindow) : null;
    const fitted = trend && compareDrift(Math.max(0, trend.fittedFirst), trend.fittedLast, bounds);
    const drift = fitted ?? ends;
    const drifted = trend ? trend.z > RISING_Z && drift.drifted : drift.drifted;
    const factorText = Number.isFinite(drift.factor) ? drift.factor.toFixed(2) : '∞';
    const how = trend
      ? ` Per window (${trend.n}) it ${trend.z > RISING_Z ? 'rose consistently' : 'showed no consistent rise'} (Mann-Kendall z ${trend.z.toFixed(2)}, a rise above ${RISING_Z}); the fitted line goes from ${round3(drift.earlier)} to ${round3(drift.later)} ms: ×${factorText}, ${signed(drift.delta)} ms. Fails on a consistent rise above ×${maxFactor} and ${minDeltaMs} ms.`
      : `: ×${factorText}, ${signed(drift.delta)} ms. Fails above ×${maxFactor} when the change is also above ${minDeltaMs} ms (with ${MIN_TREND_WINDOWS}+ steady windows the trend is tested too).`;
    return latencyDriftCheck.result(
      drifted ? 'fail' : 'pass',
      `event_rtt_ms p95 went from ${round3(ends.earlier)} ms (first ${spanSec} s after warm-up) to ${round3(ends.later)} ms (last ${spanSec} s)${trend ? '.' : ''}${how}`,
      {
        evidence: {
          metric: 'event_rtt_ms',
          stat: 'p95',
          firstP95Ms: round3(ends.earlier),
          lastP95Ms: round3(ends.later),
          // The numbers the verdict used: the fitted line's when the trend was tested, else the ends'.
          factor: Number.isFinite(drift.factor) ? round3(drift.factor) : null,
          deltaMs: round3(drift.delta),
          trend: trend && {
            mannKendallZ: round3(trend.z),
            risingZ: RISING_Z,
            fittedFirstP95Ms: round3(trend.fittedFirst),
            fittedLastP95Ms: round3(trend.fittedLast),
            p95ByWindowMs: this.#p95ByWindow.map(round3),
          },
          bounds: { maxFactor, minDeltaMs },
          windowsCompared: k,
          steadyWindows: n,
          first: first.summary(),
          last: last.summary(),
        },
      },
    );
  }
}
