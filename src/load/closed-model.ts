import autocannon from 'autocannon';
import type { LoadWorkerInit } from './protocol.ts';
import type { LoadRecording } from './recording.ts';

/**
 * The closed model (maximum throughput), one worker's share, on autocannon's programmatic API:
 * `connections` connections, each sending its next request (or `pipelining` of them) as soon as the
 * last is answered, for the duration or until `requests` are done. The mix is a weighted sequence each
 * connection cycles through; autocannon reports the answered request just before its `response`
 * event, which is how every latency gets its route tag.
 */
export class ClosedModel {
  readonly #init: LoadWorkerInit;
  readonly #recording: LoadRecording;
  readonly #sequence: readonly number[];
  #instance: autocannon.Instance | null = null;

  constructor(init: LoadWorkerInit, recording: LoadRecording, sequence: readonly number[]) {
    this.#init = init;
    this.#recording = recording;
    this.#sequence = sequence;
  }

  run(epochMs: number): Promise<void> {
    const { plan, workerIndex, routes, authHeaders } = this.#init;
    const recording = this.#recording;
    const share = (total: number) =>
      Math.floor(total / plan.workers) + (workerIndex < total % plan.workers ? 1 : 0);
    const connections = Math.max(1, share(plan.connections));
    let answered = -1;
    let answeredBody = '';
    let answeredHeaders: Record<string, string> = {};
    const requests = this.#sequence.map((route) => {
      const spec = routes[route];
      return {
        method: spec.method as autocannon.Request['method'],
        path: spec.path,
        headers: { ...spec.headers, ...authHeaders },
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        onResponse: (_status: number, body: string, _context: object, headers?: Record<string, unknown>) => {
          answered = route;
          answeredBody = body;
          answeredHeaders = (headers ?? {}) as Record<string, string>;
        },
      };
    });
    const base = new URL(this.#init.baseUrl);
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const instance = autocannon(
      {
        url: base.origin + base.pathname.replace(/\/+$/, ''),
        connections,
        pipelining: plan.pipelining,
        duration: plan.durationMs / 1000,
        ...(plan.requests !== undefined ? { amount: Math.max(1, share(plan.requests)) } : {}),
        requests,
        timeout: 30,
      },
      () => done(),
    );
    this.#instance = instance;
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      const route = answered;
      recording.live.sent += 1;
      recording.response(route, status, responseTimeMs);
      if (recording.wantsSample())
        recording.sample({
          route,
          status,
          headers: lowerCase(answeredHeaders),
          body: answeredBody,
          atMs: performance.timeOrigin + performance.now() - epochMs,
        });
    });
    instance.on('reqError', () => {
      recording.live.sent += 1;
      recording.transportError(null, null);
    });
    return finished;
  }

  /** autocannon stops its connections at once; what they had in flight is not counted. */
  async stop(_graceMs?: number): Promise<void> {
    this.#instance?.stop();
  }
}

function lowerCase(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}
