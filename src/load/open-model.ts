import { Pool } from 'undici';
import type { ResolvedRoute } from './mix.ts';
import { Timetable } from './plan.ts';
import type { LoadWorkerInit } from './protocol.ts';
import type { LoadRecording } from './recording.ts';

/** Sends more than this many due requests in one go only after yielding to the event loop. */
const BATCH = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The open model (arrival rate), one worker's share: request i of the timetable goes out at its due
 * time whatever happened to the ones before it, over an undici pool that grows up to its cap.
 * Latency counts from the due time, not the send time (coordinated omission corrected, as wrk2
 * does); a request due while `maxInFlight` are outstanding is dropped and counted.
 */
export class OpenModel {
  readonly #init: LoadWorkerInit;
  readonly #recording: LoadRecording;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #timetable: Timetable;
  readonly #sequence: readonly number[];
  readonly #maxInFlight: number;
  readonly #inFlight = new Map<number, { route: number; dueAbsMs: number }>();
  #epochMs = 0;
  #next: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #finished: (() => void) | null = null;
  #idle: (() => void) | null = null;

  constructor(init: LoadWorkerInit, recording: LoadRecording, sequence: readonly number[]) {
    this.#init = init;
    this.#recording = recording;
    this.#sequence = sequence;
    const url = new URL(init.baseUrl);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    const { plan, workerIndex } = init;
    this.#pool = new Pool(url.origin, {
      connections: Math.max(1, Math.ceil(plan.maxConnections / plan.workers)),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    this.#maxInFlight = Math.max(1, Math.ceil(plan.maxInFlight / plan.workers));
    this.#timetable = new Timetable(plan.segments);
    this.#next = workerIndex;
  }

  /** Runs the timetable to its end (or until stop()); resolves once it is over. */
  run(epochMs: number): Promise<void> {
    this.#epochMs = epochMs;
    return new Promise((resolve) => {
      this.#finished = resolve;
      this.#pump();
    });
  }

  /** Stops sending; requests already out get `graceMs` to finish, the rest count as failed. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#finished?.();
    if (this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const now = absNow();
    for (const { route, dueAbsMs } of this.#inFlight.values())
      this.#recording.transportError(route, now - dueAbsMs);
    this.#inFlight.clear();
    this.#recording.live.inFlight = 0;
    await this.#pool.destroy().catch(() => {});
  }

  #pump(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const elapsed = absNow() - this.#epochMs;
    const step = this.#init.plan.workers;
    let due = this.#timetable.at(this.#next);
    let batch = 0;
    while (due !== null && due <= elapsed && batch < BATCH) {
      this.#fire(this.#next, due);
      this.#next += step;
      due = this.#timetable.at(this.#next);
      batch += 1;
    }
    if (due === null) {
      this.#finished?.();
      return;
    }
    const waitMs = due - (absNow() - this.#epochMs);
    if (waitMs < 1) setImmediate(() => this.#pump());
    else this.#timer = setTimeout(() => this.#pump(), Math.floor(waitMs));
  }

  #fire(index: number, dueMs: number): void {
    const recording = this.#recording;
    const metrics = recording.metrics;
    metrics.add('requests_scheduled');
    if (this.#inFlight.size >= this.#maxInFlight) {
      metrics.add('dropped_requests');
      recording.live.dropped += 1;
      return;
    }
    const route = this.#sequence[index % this.#sequence.length];
    const dueAbsMs = this.#epochMs + dueMs;
    const sentAbsMs = absNow();
    metrics.record('generator_send_lag_ms', sentAbsMs - dueAbsMs);
    metrics.add('requests_sent');
    recording.live.sent += 1;
    this.#inFlight.set(index, { route, dueAbsMs });
    recording.live.inFlight = this.#inFlight.size;
    void this.#send(index, this.#init.routes[route], route, dueAbsMs);
  }

  async #send(index: number, spec: ResolvedRoute, route: number, dueAbsMs: number): Promise<void> {
    const recording = this.#recording;
    const keep = recording.wantsSample();
    let status = 0;
    let headers: Record<string, string> = {};
    let body = '';
    try {
      const response = await this.#pool.request({
        method: spec.method as 'GET',
        path: this.#prefix + spec.path,
        headers: { ...spec.headers, ...this.#init.authHeaders },
        body: spec.body,
      });
      status = response.statusCode;
      if (keep) {
        body = await response.body.text();
        headers = flatHeaders(response.headers);
      } else await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    } catch {
      status = 0;
    }
    if (!this.#inFlight.delete(index)) return; // already counted as cut off by stop()
    recording.live.inFlight = this.#inFlight.size;
    const doneAbsMs = absNow();
    if (status === 0) recording.transportError(route, doneAbsMs - dueAbsMs);
    else {
      recording.response(route, status, doneAbsMs - dueAbsMs);
      if (keep) recording.sample({ route, status, headers, body, atMs: doneAbsMs - this.#epochMs });
    }
    if (this.#inFlight.size === 0) this.#idle?.();
  }
}

function absNow(): number {
  return performance.timeOrigin + performance.now();
}

export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
