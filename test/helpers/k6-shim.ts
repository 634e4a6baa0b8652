/**
 * The few k6 modules the exported soak script uses, on Node: HTTP via fetch, timers and WebSocket from
 * Node's globals, metrics recorded where the test can read them. Just enough to run the generated
 * session against the real reference target; k6 itself cannot be installed here.
 */
export interface RecordedSample {
  metric: string;
  value: number;
  tags?: Record<string, string>;
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
  constructor(name: string) {
    this.name = name;
  }
  add(value: number | boolean, tags?: Record<string, string>): void {
    k6Samples().push({ metric: this.name, value: Number(value), tags });
  }
}

export class Trend extends Metric {}
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Gauge extends Metric {}

async function asyncRequest(
  method: string,
  url: string,
  body: string | null,
  params: { headers?: Record<string, string> } = {},
) {
  const res = await fetch(url, { method, body: body ?? undefined, headers: params.headers });
  const text = await res.text();
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
    k6Samples().push({ metric: 'checks', value: Number(ok), tags: { ...tags, check: name } });
  }
  return all;
}
export const setTimeout = globalThis.setTimeout;
export const clearTimeout = globalThis.clearTimeout;
export const WebSocket = globalThis.WebSocket;
