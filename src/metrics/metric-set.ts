import { Histogram } from './histogram.ts';

/**
 * One window of raw metrics as it travels between threads: histograms HDR-encoded, counters as
 * deltas, rates as [hits, total] so they can be summed before dividing.
 */
export interface RawWindow {
  histograms: Record<string, string>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  rates: Record<string, [number, number]>;
}

/** Distinct label values kept per metric; the rest fold into `other`, so a flood of messages stays bounded. */
const MAX_LABEL_VALUES = 30;

/**
 * The recording side of metrics: fixed-size histograms, counters, gauges and rates for the current
 * window. `take()` hands the window over and starts the next one; nothing grows with the run's length.
 */
export class MetricSet {
  readonly #histograms = new Map<string, Histogram>();
  #counters = new Map<string, number>();
  readonly #gauges = new Map<string, number>();
  #rates = new Map<string, [number, number]>();
  readonly #labelValues = new Map<string, Set<string>>();

  histogram(name: string): Histogram {
    let histogram = this.#histograms.get(name);
    if (!histogram) {
      histogram = new Histogram();
      this.#histograms.set(name, histogram);
    }
    return histogram;
  }

  record(name: string, value: number): void {
    this.histogram(name).record(value);
  }

  add(name: string, by = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + by);
  }

  /** Adds to `name` and to `name{label=value}`, with a bounded set of values per label. */
  addLabelled(name: string, label: string, value: string, by = 1): void {
    this.add(name, by);
    this.add(this.labelled(name, label, value), by);
  }

  /** `name{label=value}`, with the value folded into `other` past the cardinality bound. */
  labelled(name: string, label: string, value: string): string {
    const key = `${name}{${label}}`;
    let seen = this.#labelValues.get(key);
    if (!seen) {
      seen = new Set();
      this.#labelValues.set(key, seen);
    }
    // Braces stay: a route keeps its path template (`POST /things/{id}/close`); the name is still
    // read as everything up to the first `{`, the label up to the last `}`.
    const clean = value.replace(/\n/g, ' ').slice(0, 80);
    if (!seen.has(clean) && seen.size >= MAX_LABEL_VALUES) return `${name}{${label}=other}`;
    seen.add(clean);
    return `${name}{${label}=${clean}}`;
  }

  gauge(name: string, value: number): void {
    this.#gauges.set(name, value);
  }

  rate(name: string, hit: boolean): void {
    const entry = this.#rates.get(name) ?? [0, 0];
    if (hit) entry[0] += 1;
    entry[1] += 1;
    this.#rates.set(name, entry);
  }

  counter(name: string): number {
    return this.#counters.get(name) ?? 0;
  }

  /** The current window's raw metrics; histograms, counters and rates start over, gauges persist. */
  take(): RawWindow {
    const histograms: Record<string, string> = {};
    for (const [name, histogram] of this.#histograms) {
      if (histogram.count === 0) continue;
      histograms[name] = histogram.encode();
      histogram.reset();
    }
    const window: RawWindow = {
      histograms,
      counters: Object.fromEntries(this.#counters),
      gauges: Object.fromEntries(this.#gauges),
      rates: Object.fromEntries(this.#rates),
    };
    this.#counters = new Map();
    this.#rates = new Map();
    return window;
  }
}
