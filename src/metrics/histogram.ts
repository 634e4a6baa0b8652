import * as hdr from 'hdr-histogram-js';
import type { HistogramSummary } from '../run/model.ts';

/**
 * HDR histograms record integers, so values are stored at 1/1000 of the metric's unit: a `_ms`
 * histogram holds microseconds. The base64 `hdr` field of a HistogramSummary uses the same scale.
 */
export const HDR_SCALE = 1000;
/** One hour in milliseconds, scaled: longer values are clamped, so the histogram never grows. */
const HIGHEST_TRACKABLE = 3_600_000 * HDR_SCALE;
const SIGNIFICANT_DIGITS = 3;

function build(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
}

/** A fixed-size latency histogram (HDR, 3 significant digits): memory does not grow with samples. */
export class Histogram {
  readonly #h: hdr.Histogram;

  constructor(inner: hdr.Histogram = build()) {
    this.#h = inner;
  }

  static decode(base64: string): Histogram {
    const decoded = hdr.decodeFromCompressedBase64(base64);
    const histogram = new Histogram();
    histogram.#h.add(decoded);
    return histogram;
  }

  /** One histogram holding every encoded histogram given (e.g. the windows at one end of a run). */
  static decodeAll(encoded: readonly string[]): Histogram {
    const histogram = new Histogram();
    for (const item of encoded) histogram.add(Histogram.decode(item));
    return histogram;
  }

  /** Records one value in the metric's unit (e.g. ms); negative values count as 0. */
  record(value: number): void {
    const scaled = Math.round(value * HDR_SCALE);
    this.#h.recordValue(Math.min(HIGHEST_TRACKABLE, Math.max(1, scaled)));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.#h.mean / HDR_SCALE;
  }

  get min(): number {
    return this.count === 0 ? 0 : this.#h.minNonZeroValue / HDR_SCALE;
  }

  get max(): number {
    return this.count === 0 ? 0 : this.#h.maxValue / HDR_SCALE;
  }

  /** The value at percentile `p` (0–100), in the metric's unit; 0 when empty. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.#h.getValueAtPercentile(p) / HDR_SCALE;
  }

  add(other: Histogram): void {
    this.#h.add(other.#h);
  }

  reset(): void {
    this.#h.reset();
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#h);
  }

  summary(options: { withHdr?: boolean | string } = {}): HistogramSummary {
    const summary: HistogramSummary = {
      count: this.count,
      min: round3(this.min),
      max: round3(this.max),
      mean: round3(this.mean),
      p50: round3(this.percentile(50)),
      p90: round3(this.percentile(90)),
      p95: round3(this.percentile(95)),
      p99: round3(this.percentile(99)),
    };
    if (typeof options.withHdr === 'string') summary.hdr = options.withHdr;
    else if (options.withHdr) summary.hdr = this.encode();
    return summary;
  }
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
