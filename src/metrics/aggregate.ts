import type { HistogramSummary, MetricsSnapshot } from '../run/model.ts';
import { Histogram, round3 } from './histogram.ts';
import type { RawWindow } from './metric-set.ts';

/** How one gauge combines across worker threads: a count of sessions adds up, a CPU share does not. */
export type GaugeMerge = 'sum' | 'max';

export interface GaugeStats {
  last: number;
  min: number;
  max: number;
  sum: number;
  n: number;
}

/** Read access to metrics for threshold evaluation, whatever span they cover (a run, some windows). */
export interface MetricView {
  /** Seconds the view covers: counters' `rate` is per second of it. */
  readonly durationSec: number;
  histogram(name: string): Histogram | undefined;
  counter(name: string): number | undefined;
  rate(name: string): number | undefined;
  gauge(name: string): GaugeStats | undefined;
}

/** One window merged across workers, with decoded histograms so it can be summed into longer spans. */
export class MergedWindow implements MetricView {
  readonly startMs: number;
  readonly endMs: number;
  readonly histograms = new Map<string, Histogram>();
  /** HDR encodings to record with the window, reused when a single worker produced the histogram. */
  readonly #encoded = new Map<string, string>();
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly rates = new Map<string, [number, number]>();

  constructor(startMs: number, endMs: number) {
    this.startMs = startMs;
    this.endMs = endMs;
  }

  static merge(
    startMs: number,
    endMs: number,
    raws: readonly RawWindow[],
    gaugeMerge: (name: string) => GaugeMerge,
  ): MergedWindow {
    const window = new MergedWindow(startMs, endMs);
    const sources = new Map<string, number>();
    for (const raw of raws) {
      for (const [name, base64] of Object.entries(raw.histograms)) {
        const decoded = Histogram.decode(base64);
        const existing = window.histograms.get(name);
        if (existing) existing.add(decoded);
        else window.histograms.set(name, decoded);
        window.#encoded.set(name, base64);
        sources.set(name, (sources.get(name) ?? 0) + 1);
      }
      for (const [name, value] of Object.entries(raw.counters)) window.addCounter(name, value);
      for (const [name, value] of Object.entries(raw.gauges)) {
        const current = window.gauges.get(name);
        if (current === undefined) window.gauges.set(name, value);
        else window.gauges.set(name, gaugeMerge(name) === 'sum' ? current + value : Math.max(current, value));
      }
      for (const [name, [hits, total]] of Object.entries(raw.rates)) window.addRate(name, hits, total);
    }
    for (const [name, count] of sources) if (count > 1) window.#encoded.delete(name);
    return window;
  }

  get durationSec(): number {
    return (this.endMs - this.startMs) / 1000;
  }

  addCounter(name: string, value: number): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + value);
  }

  addRate(name: string, hits: number, total: number): void {
    const entry = this.rates.get(name) ?? [0, 0];
    entry[0] += hits;
    entry[1] += total;
    this.rates.set(name, entry);
  }

  histogram(name: string): Histogram | undefined {
    return this.histograms.get(name);
  }

  counter(name: string): number | undefined {
    return this.counters.get(name);
  }

  rate(name: string): number | undefined {
    const entry = this.rates.get(name);
    return entry && entry[1] > 0 ? entry[0] / entry[1] : undefined;
  }

  gauge(name: string): GaugeStats | undefined {
    const value = this.gauges.get(name);
    return value === undefined ? undefined : { last: value, min: value, max: value, sum: value, n: 1 };
  }

  snapshot(): MetricsSnapshot {
    const histograms: Record<string, HistogramSummary> = {};
    for (const [name, histogram] of this.histograms) {
      histograms[name] = histogram.summary({ withHdr: this.#encoded.get(name) ?? true });
    }
    const rates: Record<string, number> = {};
    for (const name of this.rates.keys()) rates[name] = round6(this.rate(name) ?? 0);
    return {
      histograms,
      counters: Object.fromEntries(this.counters),
      gauges: Object.fromEntries([...this.gauges].map(([k, v]) => [k, round3(v)])),
      rates,
    };
  }
}

/**
 * A span of consecutive windows summed into one view (the `over 60s` threshold form). Histograms are
 * merged on demand; gauges keep their statistics across the windows.
 */
export class WindowSpan implements MetricView {
  readonly #windows: readonly MergedWindow[];

  constructor(windows: readonly MergedWindow[]) {
    this.#windows = windows;
  }

  get startMs(): number {
    return this.#windows[0]?.startMs ?? 0;
  }

  get endMs(): number {
    return this.#windows.at(-1)?.endMs ?? 0;
  }

  get durationSec(): number {
    return (this.endMs - this.startMs) / 1000;
  }

  histogram(name: string): Histogram | undefined {
    let merged: Histogram | undefined;
    for (const window of this.#windows) {
      const histogram = window.histogram(name);
      if (!histogram) continue;
      merged ??= new Histogram();
      merged.add(histogram);
    }
    return merged;
  }

  counter(name: string): number | undefined {
    let total: number | undefined;
    for (const window of this.#windows) {
      const value = window.counter(name);
      if (value !== undefined) total = (total ?? 0) + value;
    }
    return total;
  }

  rate(name: string): number | undefined {
    let hits = 0;
    let total = 0;
    for (const window of this.#windows) {
      const entry = window.rates.get(name);
      if (!entry) continue;
      hits += entry[0];
      total += entry[1];
    }
    return total > 0 ? hits / total : undefined;
  }

  gauge(name: string): GaugeStats | undefined {
    let stats: GaugeStats | undefined;
    for (const window of this.#windows) {
      const value = window.gauges.get(name);
      if (value !== undefined) stats = addGauge(stats, value);
    }
    return stats;
  }
}

/**
 * Whole-run metrics built window by window in constant memory. Histograms and gauges cover the
 * windows after warm-up (the steady state a verdict is about); counters and rates cover the whole run,
 * since an event lost during warm-up is still lost.
 */
export class RunTotals implements MetricView {
  readonly #histograms = new Map<string, Histogram>();
  readonly #counters = new Map<string, number>();
  readonly #rates = new Map<string, [number, number]>();
  readonly #steadyGauges = new Map<string, GaugeStats>();
  readonly #allGauges = new Map<string, GaugeStats>();
  #durationMs = 0;

  add(window: MergedWindow, afterWarmup: boolean): void {
    this.#durationMs = Math.max(this.#durationMs, window.endMs);
    if (afterWarmup) {
      for (const [name, histogram] of window.histograms) {
        let total = this.#histograms.get(name);
        if (!total) {
          total = new Histogram();
          this.#histograms.set(name, total);
        }
        total.add(histogram);
      }
    }
    for (const [name, value] of window.counters)
      this.#counters.set(name, (this.#counters.get(name) ?? 0) + value);
    for (const [name, [hits, total]] of window.rates) {
      const entry = this.#rates.get(name) ?? [0, 0];
      entry[0] += hits;
      entry[1] += total;
      this.#rates.set(name, entry);
    }
    for (const [name, value] of window.gauges) {
      this.#allGauges.set(name, addGauge(this.#allGauges.get(name), value));
      if (afterWarmup) this.#steadyGauges.set(name, addGauge(this.#steadyGauges.get(name), value));
    }
  }

  get durationSec(): number {
    return this.#durationMs / 1000;
  }

  histogram(name: string): Histogram | undefined {
    return this.#histograms.get(name);
  }

  counter(name: string): number | undefined {
    return this.#counters.get(name);
  }

  rate(name: string): number | undefined {
    const entry = this.#rates.get(name);
    return entry && entry[1] > 0 ? entry[0] / entry[1] : undefined;
  }

  gauge(name: string): GaugeStats | undefined {
    return this.#steadyGauges.get(name) ?? this.#allGauges.get(name);
  }

  /** The run's snapshot; gauges are each one's peak after warm-up (over the whole run if it never got there). */
  snapshot(): MetricsSnapshot {
    const histograms: Record<string, HistogramSummary> = {};
    for (const [name, histogram] of this.#histograms) histograms[name] = histogram.summary({ withHdr: true });
    const gauges: Record<string, number> = {};
    for (const name of new Set([...this.#allGauges.keys(), ...this.#steadyGauges.keys()])) {
      gauges[name] = round3(this.gauge(name)?.max ?? 0);
    }
    const rates: Record<string, number> = {};
    for (const name of this.#rates.keys()) rates[name] = round6(this.rate(name) ?? 0);
    return { histograms, counters: Object.fromEntries(this.#counters), gauges, rates };
  }
}

function addGauge(stats: GaugeStats | undefined, value: number): GaugeStats {
  if (!stats) return { last: value, min: value, max: value, sum: value, n: 1 };
  return {
    last: value,
    min: Math.min(stats.min, value),
    max: Math.max(stats.max, value),
    sum: stats.sum + value,
    n: stats.n + 1,
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
