import { MetricSet } from '../metrics/metric-set.ts';
import type { ResolvedRoute } from './mix.ts';
import type { LoadLive, SampledResponse } from './protocol.ts';

const MAX_SAMPLE_BODY_CHARS = 1024 * 1024;

/**
 * Records one worker's responses under k6's metric names and tags (`http_req_duration{route=…}`,
 * `{status=…}`, `{method=…}`), with the tagged names built once per route and status: the hot path
 * does map lookups, not string work. Every `validateEvery`-th answer is kept for validation.
 */
export class LoadRecording {
  readonly metrics = new MetricSet();
  readonly live: LoadLive = { sent: 0, done: 0, failed: 0, dropped: 0, inFlight: 0 };
  readonly #routes: { duration: string; reqs: string; failed: string; method: string }[];
  readonly #byStatus = new Map<number, { duration: string; reqs: string }>();
  readonly #validateEvery: number;
  readonly #samples: SampledResponse[] = [];
  #tickets = 0;

  constructor(routes: readonly ResolvedRoute[], validateEvery: number) {
    this.#validateEvery = validateEvery;
    const m = this.metrics;
    this.#routes = routes.map((route) => ({
      duration: m.labelled('http_req_duration', 'route', route.name),
      reqs: m.labelled('http_reqs', 'route', route.name),
      failed: m.labelled('http_req_failed', 'route', route.name),
      method: m.labelled('http_req_duration', 'method', route.method),
    }));
  }

  /** Called once per request: whether it is one to validate (its body must then be kept). */
  wantsSample(): boolean {
    this.#tickets += 1;
    return this.#validateEvery > 0 && this.#tickets % this.#validateEvery === 0;
  }

  response(route: number, status: number, durationMs: number): void {
    const names = this.#routes[route];
    const byStatus = this.#statusNames(status);
    const m = this.metrics;
    m.record('http_req_duration', durationMs);
    m.record(names.duration, durationMs);
    m.record(names.method, durationMs);
    m.record(byStatus.duration, durationMs);
    m.add('http_reqs');
    m.add(names.reqs);
    m.add(byStatus.reqs);
    const failed = status >= 400;
    m.rate('http_req_failed', failed);
    m.rate(names.failed, failed);
    if (status >= 500) m.add('http_server_errors');
    this.live.done += 1;
    if (failed) this.live.failed += 1;
  }

  /** No answer at all: refused, reset, timed out, or cut off at the end of the run. */
  transportError(route: number | null, durationMs: number | null): void {
    const m = this.metrics;
    if (durationMs !== null) m.record('http_req_duration', durationMs);
    m.add('http_reqs');
    m.add('http_transport_errors');
    m.rate('http_req_failed', true);
    if (route !== null) {
      const names = this.#routes[route];
      if (durationMs !== null) m.record(names.duration, durationMs);
      m.add(names.reqs);
      m.rate(names.failed, true);
    }
    this.live.done += 1;
    this.live.failed += 1;
  }

  sample(sample: SampledResponse): void {
    this.#samples.push(
      sample.body.length > MAX_SAMPLE_BODY_CHARS
        ? { ...sample, body: sample.body.slice(0, MAX_SAMPLE_BODY_CHARS) }
        : sample,
    );
  }

  takeSamples(): SampledResponse[] {
    return this.#samples.splice(0);
  }

  #statusNames(status: number): { duration: string; reqs: string } {
    let names = this.#byStatus.get(status);
    if (!names) {
      names = {
        duration: this.metrics.labelled('http_req_duration', 'status', String(status)),
        reqs: this.metrics.labelled('http_reqs', 'status', String(status)),
      };
      this.#byStatus.set(status, names);
    }
    return names;
  }
}
