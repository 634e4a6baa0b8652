import { LinearTrend, type TrendFit } from '../metrics/trend.ts';

const MiB = 1024 * 1024;

/** The bounds of soak.memory-leak (`soak.leak.*`). */
export interface LeakBounds {
  maxSlopeBytesPerMin: number;
  maxGrowthPct: number;
  /**
   * Growth in the last third of the steady state at less than this share of the first third's is
   * settling (a plateau decelerates), not leaking; at or above it, the growth is sustained.
   */
  settleRatio: number;
}

export type LeakVerdict = 'pass' | 'warn' | 'fail';

/**
 * One memory signal over the steady state, fitted three ways in constant memory: the whole span,
 * its first third and its last third. The thirds are fixed by the planned span, so nothing is kept
 * per sample however long the soak runs.
 */
export class SegmentedTrend {
  readonly whole = new LinearTrend();
  readonly early = new LinearTrend();
  readonly late = new LinearTrend();
  readonly #spanMin: number;

  /** `spanMin`: the planned steady state, in minutes from its start. */
  constructor(spanMin: number) {
    this.#spanMin = spanMin;
  }

  add(minutes: number, bytes: number): void {
    this.whole.add(minutes, bytes);
    if (minutes <= this.#spanMin / 3) this.early.add(minutes, bytes);
    if (minutes >= (this.#spanMin * 2) / 3) this.late.add(minutes, bytes);
  }

  get n(): number {
    return this.whole.n;
  }
}

/** Events acknowledged per minute in the first and the last third of the steady state. */
export interface ThirdsWork {
  earlyPerMin: number;
  latePerMin: number;
}

/** A fitted trend as evidence: slope with its 95 % CI, R², growth over the span. */
export interface TrendSummary {
  samples: number;
  minutes: number;
  slopeBytesPerMin: number;
  ci95: [number, number];
  r2: number;
  baselineBytes: number;
  growthBytes: number;
  growthPct: number;
  /** The fitted line, for drawing: y = interceptBytes + slopeBytesPerMin × minutes after steadyFromMs. */
  interceptBytes: number;
}

/** One signal judged: the whole-span trend, its thirds, the verdict and why. */
export interface SignalJudgement extends TrendSummary {
  label: string;
  /** Over both bounds with a CI above zero, over the whole steady state. */
  leaking: boolean;
  verdict: LeakVerdict;
  early: TrendSummary | null;
  late: TrendSummary | null;
  /** Last-third slope over first-third slope; null when a third has too few samples. */
  lateToEarly: number | null;
  reason: string;
  /** With `warn`: how long a run would show whether the growth levels off. */
  runAtLeastMin?: number;
}

export function summarize(fit: TrendFit): TrendSummary {
  const minutes = fit.xMax - fit.xMin;
  const baselineBytes = fit.intercept + fit.slope * fit.xMin;
  const growthBytes = fit.slope * minutes;
  return {
    samples: fit.n,
    minutes,
    slopeBytesPerMin: fit.slope,
    ci95: fit.slopeCi95,
    r2: fit.r2,
    baselineBytes,
    growthBytes,
    growthPct: baselineBytes > 0 ? (growthBytes / baselineBytes) * 100 : 0,
    interceptBytes: fit.intercept,
  };
}

/**
 * A leak keeps growing; a service settling (allocator arenas, per-connection buffers under churn, a
 * bounded cache warming up) grows fast first and then levels off. So the whole-span trend must be
 * over both bounds (slope, and growth against the baseline) with a CI above zero, and then the last
 * third decides: still over both bounds at its own rate, CI above zero, and not decelerating
 * (≥ settleRatio of the first third's slope, per event when the work per third is known) is a
 * leak; within the bounds is settled; decelerating but still over them is `warn`, with the run
 * length that would tell.
 */
export function judgeSignal(
  series: SegmentedTrend,
  label: string,
  bounds: LeakBounds,
  work?: ThirdsWork,
): SignalJudgement | null {
  const wholeFit = series.whole.fit();
  if (!wholeFit) return null;
  const whole = summarize(wholeFit);
  const earlyFit = series.early.fit();
  const lateFit = series.late.fit();
  const early = earlyFit && summarize(earlyFit);
  const late = lateFit && summarize(lateFit);
  const leaking =
    whole.slopeBytesPerMin > bounds.maxSlopeBytesPerMin &&
    whole.growthPct > bounds.maxGrowthPct &&
    whole.ci95[0] > 0;
  // A leak grows with the work done: slower traffic in the last third slows a leak down as well, so
  // the ratio compares growth per unit of work when the work per third is known.
  const workRatio =
    work && work.earlyPerMin > 0 && work.latePerMin > 0 ? work.latePerMin / work.earlyPerMin : 1;
  const lateToEarly =
    early && late && early.slopeBytesPerMin > 0
      ? late.slopeBytesPerMin / early.slopeBytesPerMin / workRatio
      : null;
  const base = { label, ...whole, leaking, early, late, lateToEarly };
  const bound = `${mib(bounds.maxSlopeBytesPerMin)} MiB/min and ${bounds.maxGrowthPct}% growth`;
  if (!leaking) return { ...base, verdict: 'pass', reason: `within the bound ${bound}` };
  if (!early || !late)
    return {
      ...base,
      verdict: 'fail',
      reason: `exceeds the bound ${bound} (too few samples to compare the first and last thirds)`,
    };
  const lateRate = `last third ${signed(late.slopeBytesPerMin / MiB)} MiB/min vs first third ${signed(early.slopeBytesPerMin / MiB)} MiB/min`;
  // The last third's rate, kept up for as long as this run, must break both bounds as well.
  const lateGrowthPct =
    whole.baselineBytes > 0 ? ((late.slopeBytesPerMin * whole.minutes) / whole.baselineBytes) * 100 : 0;
  if (
    late.slopeBytesPerMin <= bounds.maxSlopeBytesPerMin ||
    late.ci95[0] <= 0 ||
    lateGrowthPct <= bounds.maxGrowthPct
  )
    return { ...base, verdict: 'pass', reason: `grew, then settled: ${lateRate}, within ${bound}` };
  if (lateToEarly === null || lateToEarly >= bounds.settleRatio)
    return { ...base, verdict: 'fail', reason: `exceeds the bound ${bound} and keeps growing: ${lateRate}` };
  const runAtLeastMin = settlingEstimate(whole.minutes, late.slopeBytesPerMin, lateToEarly, bounds);
  return {
    ...base,
    verdict: 'warn',
    runAtLeastMin,
    reason: `still settling: ${lateRate}, decelerating but over ${mib(bounds.maxSlopeBytesPerMin)} MiB/min; run ≥ ${runAtLeastMin} minutes to tell settling from leaking`,
  };
}

/**
 * The steady-state length (whole minutes) by which the slope, decaying as it did from the first
 * third to the last (their centres are 2/3 of the span apart), falls under the bound.
 */
function settlingEstimate(spanMin: number, lateSlope: number, ratio: number, bounds: LeakBounds): number {
  const step = (spanMin * 2) / 3;
  const steps = Math.log(bounds.maxSlopeBytesPerMin / lateSlope) / Math.log(Math.max(ratio, 1e-3));
  const needed = spanMin + step * Math.max(0, steps);
  return Math.max(Math.ceil(spanMin) + 1, Math.ceil(Math.min(needed, 24 * 60)));
}

const SEVERITY: Record<LeakVerdict, number> = { pass: 0, warn: 1, fail: 2 };

/** With two signals, the milder verdict: each must show the leak for it to count. */
export function milder(a: LeakVerdict, b: LeakVerdict): LeakVerdict {
  return SEVERITY[a] <= SEVERITY[b] ? a : b;
}

export function mib(bytes: number): string {
  return String(Number((bytes / MiB).toFixed(2)));
}

export function signed(value: number): string {
  const text = Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(2);
  return value > 0 ? `+${text}` : text;
}
