import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ShakedownError } from '../errors.ts';
import { MergedWindow } from '../metrics/aggregate.ts';
import { Histogram } from '../metrics/histogram.ts';

/** k6 metric names that Shakedown spells otherwise. */
const SHAKEDOWN_NAMES: Record<string, string> = { dropped_iterations: 'dropped_requests' };
/** Tags a metric is broken down by, as the soak records `disconnects{reason=…}`; `route` for the rest. */
const SPLIT_TAGS: Record<string, readonly string[]> = {
  http_reqs: ['route', 'status'],
  disconnects: ['reason'],
};
const DEFAULT_SPLIT = ['route'];
/**
 * k6's phases of a request, which add up to http_req_duration (and http_req_waiting to most of it):
 * not imported, so a long run's windows and report stay the size of a local run's.
 */
const PHASE_TIMINGS = new Set([
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
]);
/** Distinct values of a split tag kept per metric; the rest fold into `other`. */
const MAX_TAG_VALUES = 30;

type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** A series is a metric, optionally narrowed by tags: `http_req_duration{route=GET /x}`. */
export interface SeriesFilter {
  metric: string;
  tags: [string, string][];
  key: string;
}

/**
 * `http_req_duration{route:GET /x,status:200}` (k6's threshold syntax) → the series key Shakedown
 * records, `http_req_duration{route=GET /x,status=200}`, and the tags a point must carry to count.
 */
export function seriesFilter(k6Key: string): SeriesFilter {
  const brace = k6Key.indexOf('{');
  const rawMetric = brace < 0 ? k6Key : k6Key.slice(0, brace);
  const metric = SHAKEDOWN_NAMES[rawMetric] ?? rawMetric;
  if (brace < 0 || !k6Key.endsWith('}')) return { metric, tags: [], key: metric };
  const tags = k6Key
    .slice(brace + 1, -1)
    .split(',')
    .map((pair) => {
      const colon = pair.indexOf(':');
      return [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()] as [string, string];
    })
    .filter(([name]) => name);
  return { metric, tags, key: `${metric}{${tags.map(([k, v]) => `${k}=${v}`).join(',')}}` };
}

interface WindowAcc {
  histograms: Map<string, Histogram>;
  counters: Map<string, number>;
  rates: Map<string, [number, number]>;
  /** gauge → file → its last value in the window: pods' gauges (VUs) add up. */
  gauges: Map<string, Map<number, number>>;
}

export interface CheckTally {
  name: string;
  operation?: string;
  passes: number;
  fails: number;
}

/** k6 results merged across files (pods), in windows aligned on the wall clock. */
export class K6Results {
  readonly windowMs: number;
  readonly #filters: SeriesFilter[] = [];
  readonly #windows = new Map<number, WindowAcc>();
  readonly #types = new Map<string, K6MetricType>();
  readonly #tagValues = new Map<string, Set<string>>();
  /** k6 thresholds found in the Metric lines, by k6 key. */
  readonly thresholds = new Map<string, Set<string>>();
  readonly checks = new Map<string, CheckTally>();
  points = 0;
  skippedLines = 0;
  files = 0;
  /** Files whose last line is cut off mid-JSON: the k6 process was killed while writing. */
  readonly truncated: string[] = [];
  #lastLineBroken = false;

  constructor(windowSec: number, thresholdKeys: readonly string[]) {
    this.windowMs = windowSec * 1000;
    for (const key of thresholdKeys) this.addSeries(key);
  }

  /** Reads one k6 `--out json` file (NDJSON). Lines that are not k6 JSON (logs, a cut-off line) are counted and skipped. */
  async addFile(file: string): Promise<void> {
    const fileIndex = this.files++;
    const before = this.points;
    this.#lastLineBroken = false;
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) this.#addLine(line, fileIndex);
    } catch (error) {
      throw new ShakedownError(
        'SHK_RUN_DIR_INVALID',
        `cannot read k6 results ${file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (this.#lastLineBroken) this.truncated.push(file);
    if (this.points === before) {
      throw new ShakedownError(
        'SHK_RUN_DIR_INVALID',
        `${file} has no k6 metric points: expected the NDJSON k6 writes with --out json=<file> (lines like {"type":"Point","metric":"http_reqs","data":{...}}).`,
      );
    }
  }

  #addLine(line: string, fileIndex: number): void {
    if (line.trim() === '') return;
    let entry: { type?: string; metric?: string; data?: Record<string, unknown> };
    try {
      entry = JSON.parse(line);
    } catch {
      this.skippedLines += 1;
      this.#lastLineBroken = line.trimStart().startsWith('{');
      return;
    }
    this.#lastLineBroken = false;
    if (entry.type === 'Metric' && entry.data) {
      const name = String(entry.data.name ?? entry.metric);
      this.#types.set(name, entry.data.type as K6MetricType);
      this.#addThresholds(name, entry.data.thresholds);
      for (const sub of (entry.data.submetrics as { name?: string; thresholds?: unknown }[] | null) ?? [])
        if (sub?.name) this.#addThresholds(sub.name, sub.thresholds);
      return;
    }
    if (entry.type !== 'Point' || !entry.metric || !entry.data) {
      this.skippedLines += 1;
      return;
    }
    const timeMs = Date.parse(String(entry.data.time));
    const value = Number(entry.data.value);
    const type = this.#types.get(entry.metric);
    if (!Number.isFinite(timeMs) || !Number.isFinite(value) || !type) {
      this.skippedLines += 1;
      return;
    }
    this.points += 1;
    if (PHASE_TIMINGS.has(entry.metric)) return;
    const tags = (entry.data.tags ?? {}) as Record<string, string>;
    const metric = SHAKEDOWN_NAMES[entry.metric] ?? entry.metric;
    const window = this.#window(Math.floor(timeMs / this.windowMs));
    const keys = [metric];
    for (const tag of SPLIT_TAGS[metric] ?? DEFAULT_SPLIT) {
      if (tags[tag] !== undefined) keys.push(this.#split(metric, tag, String(tags[tag])));
    }
    for (const filter of this.#filters) {
      if (filter.metric === metric && filter.tags.every(([k, v]) => String(tags[k]) === v))
        keys.push(filter.key);
    }
    for (const key of new Set(keys)) record(window, type, key, value, fileIndex);
    if (entry.metric === 'checks' && tags.check !== undefined) this.#tallyCheck(tags, value);
  }

  #addThresholds(k6Key: string, sources: unknown): void {
    if (!Array.isArray(sources) || sources.length === 0) return;
    const set = this.thresholds.get(k6Key) ?? new Set();
    for (const source of sources) set.add(String(source));
    this.thresholds.set(k6Key, set);
    this.addSeries(k6Key);
  }

  /** Records points matching a threshold's tag selector under their own series key too. */
  addSeries(k6Key: string): void {
    const filter = seriesFilter(k6Key);
    if (filter.tags.length > 0 && !this.#filters.some((f) => f.key === filter.key))
      this.#filters.push(filter);
  }

  /** Whether the results have the metric (Shakedown name, tags ignored). */
  hasMetric(name: string): boolean {
    for (const k6Name of this.#types.keys()) if ((SHAKEDOWN_NAMES[k6Name] ?? k6Name) === name) return true;
    return false;
  }

  #split(metric: string, tag: string, value: string): string {
    const id = `${metric}{${tag}}`;
    const seen = this.#tagValues.get(id) ?? new Set();
    this.#tagValues.set(id, seen);
    if (!seen.has(value) && seen.size >= MAX_TAG_VALUES) return `${metric}{${tag}=other}`;
    seen.add(value);
    return `${metric}{${tag}=${value}}`;
  }

  #tallyCheck(tags: Record<string, string>, value: number): void {
    const id = `${tags.check}\u0000${tags.operation ?? ''}`;
    const tally = this.checks.get(id) ?? { name: tags.check, operation: tags.operation, passes: 0, fails: 0 };
    if (value !== 0) tally.passes += 1;
    else tally.fails += 1;
    this.checks.set(id, tally);
  }

  #window(index: number): WindowAcc {
    let window = this.#windows.get(index);
    if (!window) {
      window = { histograms: new Map(), counters: new Map(), rates: new Map(), gauges: new Map() };
      this.#windows.set(index, window);
    }
    return window;
  }

  /** The windows from the first point to the last, gaps included, timed from the first window's start. */
  windows(): MergedWindow[] {
    const indexes = [...this.#windows.keys()];
    if (indexes.length === 0) return [];
    const first = Math.min(...indexes);
    const last = Math.max(...indexes);
    const out: MergedWindow[] = [];
    for (let index = first; index <= last; index++) {
      const startMs = (index - first) * this.windowMs;
      const merged = new MergedWindow(startMs, startMs + this.windowMs);
      const acc = this.#windows.get(index);
      if (acc) {
        for (const [name, h] of acc.histograms) merged.histograms.set(name, h);
        for (const [name, v] of acc.counters) merged.addCounter(name, v);
        for (const [name, [hits, total]] of acc.rates) merged.addRate(name, hits, total);
        for (const [name, byFile] of acc.gauges)
          merged.gauges.set(
            name,
            [...byFile.values()].reduce((a, b) => a + b, 0),
          );
      }
      out.push(merged);
    }
    return out;
  }

  /** Wall-clock time of the first window's start, for the log. */
  get startedAt(): Date | null {
    const indexes = [...this.#windows.keys()];
    return indexes.length === 0 ? null : new Date(Math.min(...indexes) * this.windowMs);
  }
}

function record(window: WindowAcc, type: K6MetricType, key: string, value: number, fileIndex: number): void {
  if (type === 'trend') {
    let h = window.histograms.get(key);
    if (!h) {
      h = new Histogram();
      window.histograms.set(key, h);
    }
    h.record(value);
  } else if (type === 'counter') window.counters.set(key, (window.counters.get(key) ?? 0) + value);
  else if (type === 'rate') {
    const entry = window.rates.get(key) ?? [0, 0];
    if (value !== 0) entry[0] += 1;
    entry[1] += 1;
    window.rates.set(key, entry);
  } else {
    const byFile = window.gauges.get(key) ?? new Map<number, number>();
    byFile.set(fileIndex, value);
    window.gauges.set(key, byFile);
  }
}
