/**
 * The few k6 modules the exported scripts use, on Node: HTTP via fetch (recording k6's http_* metrics),
 * timers and WebSocket from Node's globals, metrics recorded where the test can read them. Just enough
 * to run the generated scripts against the real reference target; k6 itself cannot be installed here.
 */
export interface RecordedSample {
  metric: string;
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  value: number;
  tags?: Record<string, string>;
  /** When it was recorded (ms since the epoch). */
  at: number;
}

// On globalThis: the bundled script and the test each load their own copy of this module.
const store = globalThis as { __k6Samples?: RecordedSample[] };
store.__k6Samples ??= [];

/** Every metric sample the script recorded, in order. */
export function k6Samples(): RecordedSample[] {
  return store.__k6Samples!;
}

class Metric {
  readonly name: string;
  readonly type: RecordedSample['type'];
  constructor(name: string, type: RecordedSample['type']) {
    this.name = name;
    this.type = type;
  }
  add(value: number | boolean, tags?: Record<string, string>): void {
    k6Samples().push({ metric: this.name, type: this.type, value: Number(value), tags, at: Date.now() });
  }
}

export class Trend extends Metric {
  constructor(name: string) {
    super(name, 'trend');
  }
}
export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}

async function asyncRequest(
  method: string,
  url: string,
  body: string | null,
  params: { headers?: Record<string, string>; tags?: Record<string, string> } = {},
) {
  const started = performance.now();
  const res = await fetch(url, { method, body: body ?? undefined, headers: params.headers });
  const text = await res.text();
  const tags = { method, url, status: String(res.status), ...params.tags };
  const at = Date.now();
  k6Samples().push(
    { metric: 'http_reqs', type: 'counter', value: 1, tags, at },
    { metric: 'http_req_duration', type: 'trend', value: performance.now() - started, tags, at },
    { metric: 'http_req_failed', type: 'rate', value: Number(res.status >= 400), tags, at },
  );
  // k6 canonicalizes response header names: `Content-Type`.
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name.replace(/(^|-)([a-z])/g, (m: string) => m.toUpperCase())] = value;
  });
  return {
    status: res.status,
    headers,
    body: text,
    json(selector?: string) {
      const value = JSON.parse(text) as Record<string, unknown>;
      return selector ? value[selector] : value;
    },
  };
}

export default { asyncRequest };

/** k6's check(): each named condition becomes a `checks` sample tagged with its name. */
export function check<T>(
  value: T,
  sets: Record<string, (v: T) => boolean>,
  tags: Record<string, string> = {},
): boolean {
  let all = true;
  for (const [name, condition] of Object.entries(sets)) {
    const ok = condition(value);
    all &&= ok;
    k6Samples().push({
      metric: 'checks',
      type: 'rate',
      value: Number(ok),
      tags: { ...tags, check: name },
      at: Date.now(),
    });
  }
  return all;
}
export const setTimeout = globalThis.setTimeout;
export const clearTimeout = globalThis.clearTimeout;
export const WebSocket = globalThis.WebSocket;
