/**
 * Statistics for soak verdicts: a least-squares line fitted in constant memory (Welford-style running
 * moments, stable however many samples arrive), and the drift comparison of two latency percentiles.
 */

export interface TrendFit {
  n: number;
  /** Change of y per unit of x. */
  slope: number;
  /** y at x = 0. */
  intercept: number;
  slopeStdErr: number;
  /** The slope's two-sided 95% confidence interval (Student's t with n − 2 degrees of freedom). */
  slopeCi95: [number, number];
  /** Share of y's variance the line explains, 0–1. */
  r2: number;
  xMin: number;
  xMax: number;
  meanY: number;
}

export class LinearTrend {
  #n = 0;
  #meanX = 0;
  #meanY = 0;
  #sxx = 0;
  #syy = 0;
  #sxy = 0;
  #xMin = Number.POSITIVE_INFINITY;
  #xMax = Number.NEGATIVE_INFINITY;

  add(x: number, y: number): void {
    this.#n += 1;
    const dx = x - this.#meanX;
    const dy = y - this.#meanY;
    this.#meanX += dx / this.#n;
    this.#meanY += dy / this.#n;
    // Co-moments updated with one old and one new deviation: exact and numerically stable.
    this.#sxx += dx * (x - this.#meanX);
    this.#syy += dy * (y - this.#meanY);
    this.#sxy += dx * (y - this.#meanY);
    this.#xMin = Math.min(this.#xMin, x);
    this.#xMax = Math.max(this.#xMax, x);
  }

  get n(): number {
    return this.#n;
  }

  /** The fitted line, or null with fewer than three points or no spread in x. */
  fit(): TrendFit | null {
    const n = this.#n;
    if (n < 3 || this.#sxx <= 0) return null;
    const slope = this.#sxy / this.#sxx;
    const intercept = this.#meanY - slope * this.#meanX;
    const residual = Math.max(0, this.#syy - slope * this.#sxy);
    const slopeStdErr = Math.sqrt(residual / (n - 2) / this.#sxx);
    const t = studentT975(n - 2);
    const r2 = this.#syy > 0 ? Math.min(1, Math.max(0, (slope * this.#sxy) / this.#syy)) : 1;
    return {
      n,
      slope,
      intercept,
      slopeStdErr,
      slopeCi95: [slope - t * slopeStdErr, slope + t * slopeStdErr],
      r2,
      xMin: this.#xMin,
      xMax: this.#xMax,
      meanY: this.#meanY,
    };
  }
}

const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** The 97.5th percentile of Student's t distribution (two-sided 95%). */
export function studentT975(dof: number): number {
  if (dof < 1) return Number.POSITIVE_INFINITY;
  if (dof <= T975.length) return T975[dof - 1];
  // Cornish–Fisher expansion around the normal quantile; within 0.001 of the tables beyond 10 dof.
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / dof + g2 / dof ** 2 + g3 / dof ** 3;
}

export interface DriftBounds {
  /** Later over earlier may not exceed this factor… */
  maxFactor: number;
  /** …when the absolute change is also above this floor (small numbers wobble by large factors). */
  minDelta: number;
}

export interface DriftResult {
  earlier: number;
  later: number;
  delta: number;
  /** later / earlier; Infinity when earlier is 0 and later is not. */
  factor: number;
  drifted: boolean;
}

export function compareDrift(earlier: number, later: number, bounds: DriftBounds): DriftResult {
  const delta = later - earlier;
  const factor = earlier > 0 ? later / earlier : later > 0 ? Number.POSITIVE_INFINITY : 1;
  return { earlier, later, delta, factor, drifted: factor > bounds.maxFactor && delta > bounds.minDelta };
}

/** A monotonic trend in a short, noisy series, judged without assuming any distribution. */
export interface MonotonicTrend {
  /** How many values were judged. */
  n: number;
  /** Mann-Kendall S: rising pairs minus falling pairs. */
  s: number;
  /** S standardised (normal approximation, continuity-corrected); > 1.645 is a rise at 95 % one-sided. */
  z: number;
  /** Theil-Sen slope: the median slope over all pairs, per step; one outlier cannot tilt it. */
  slopePerStep: number;
  /** The Theil-Sen line at the first and the last value. */
  fittedFirst: number;
  fittedLast: number;
}

/** z above which a rise is called consistent (one-sided, 95 %). */
export const RISING_Z = 1.645;

/**
 * Mann-Kendall trend test plus the Theil-Sen line: per-window percentiles on a busy machine spike at
 * random, and a comparison of two single windows mistakes a spike for a trend (or hides one).
 */
export function monotonicTrend(values: readonly number[]): MonotonicTrend {
  if (values.length <= MAX_TREND_POINTS) return pairwiseTrend(values);
  // Both statistics look at every pair: a 2-hour soak of 1 s windows would hold 26 million slopes.
  // Past the bound the series is judged as the medians of consecutive groups (which also damps the
  // autocorrelation of neighbouring windows), and the line is scaled back to single steps.
  const size = Math.ceil(values.length / MAX_TREND_POINTS);
  const groups: number[] = [];
  for (let i = 0; i < values.length; i += size) groups.push(median(values.slice(i, i + size)));
  const grouped = pairwiseTrend(groups);
  const slopePerStep = grouped.slopePerStep / size;
  // A group's median stands at its middle step.
  const fittedFirst = grouped.fittedFirst - (slopePerStep * (size - 1)) / 2;
  return {
    ...grouped,
    n: values.length,
    slopePerStep,
    fittedFirst,
    fittedLast: fittedFirst + slopePerStep * (values.length - 1),
  };
}

/** Series longer than this are judged on medians of consecutive groups (about 180,000 pairs at most). */
export const MAX_TREND_POINTS = 600;

function pairwiseTrend(values: readonly number[]): MonotonicTrend {
  const n = values.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      s += Math.sign(values[j] - values[i]);
      slopes.push((values[j] - values[i]) / (j - i));
    }
  }
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = variance > 0 ? (s > 0 ? s - 1 : s < 0 ? s + 1 : 0) / Math.sqrt(variance) : 0;
  const slopePerStep = median(slopes);
  const intercept = median(values.map((v, i) => v - slopePerStep * i));
  return {
    n,
    s,
    z,
    slopePerStep,
    fittedFirst: intercept,
    fittedLast: intercept + slopePerStep * (n - 1),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
