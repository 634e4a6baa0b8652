import type { Socket } from 'socket.io-client';
import type { HttpExchange, HttpRequestOptions } from '../http/client.ts';
import type { ThresholdEntry } from '../metrics/threshold-set.ts';

/**
 * A soak script: k6-style `options` and one async function that plays a single session. The engine
 * runs `sessions` of them concurrently, each in its slot, and starts a new one when one ends.
 */
export interface SoakScript {
  options?: SoakOptions;
  session(s: SessionContext): Promise<void>;
}

/** Typed identity, like defineConfig: `export default defineSoak({ options, session })`. */
export function defineSoak(script: SoakScript): SoakScript {
  return script;
}

/**
 * A script's defaults. The config's `soak` section (and its profiles) override any of them, so one
 * script serves the 60-second `quick` profile and the 15-minute `full` one.
 */
export interface SoakOptions {
  /** Default 900. */
  durationSec?: number;
  /** Concurrent sessions to hold. Default 10. */
  sessions?: number;
  /** Sessions start spread over this; default min(10, warm-up). */
  rampUpSec?: number;
  /** Sessions end spread over the last seconds; default 0. */
  rampDownSec?: number;
  /** Per session. Default 2. */
  eventsPerSec?: number;
  /** Excluded from latency, drift, leak and generator verdicts. Default min(60, duration / 5). */
  warmupSec?: number;
  /** Metric window. Default 10. */
  windowSec?: number;
  /** A session ends after this and a new one takes its slot. Default 60. */
  sessionLifetimeSec?: number;
  /** An event without an ack after this counts as lost. Default 5000. */
  ackTimeoutMs?: number;
  /** k6-style, e.g. `{ event_rtt_ms: ['p(95)<150', 'p(99)<400 over 60s'] }`. */
  thresholds?: Record<string, ThresholdEntry[]>;
  /** soak.no-event-loss bound on lost / sent. Default 0. */
  maxLostRate?: number;
  /** soak.no-unexpected-disconnects bound. Default 0. */
  maxUnexpectedDisconnects?: number;
  /** soak.memory-leak bounds. Default 1 MiB/min and 10%. */
  leak?: { maxSlopeBytesPerMin?: number; maxGrowthPct?: number };
  /** soak.latency-drift bounds. Default 1.5× and 5 ms. */
  drift?: { maxFactor?: number; minDeltaMs?: number };
  /** soak.generator-healthy bounds. Default 50 ms, 90%, 10% of windows. */
  generator?: { maxEventLoopP99Ms?: number; maxCpuPct?: number; maxOverloadedWindowsPct?: number };
  /** soak.sessions-held tolerance in percent. Default 5. */
  sessionsHeldPct?: number;
  /** Spread HTTP requests over this many loopback source addresses (distinct callers). Default 0: off. */
  loopbackSources?: number;
}

/** What a session function gets. Everything it does through here is measured. */
export interface SessionContext {
  /** The session's slot, 0 … sessions − 1. */
  readonly slot: number;
  /** How many sessions this slot ran before this one. */
  readonly iteration: number;
  readonly baseUrl: string;
  readonly socketUrl: string;
  /** The config's named secrets. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly eventsPerSec: number;
  /** How long this session should live; `signal` aborts when it is up. */
  readonly lifetimeMs: number;
  readonly ackTimeoutMs: number;
  /** Aborted when the session should end: its lifetime is up, the run ramps down or is stopping. */
  readonly signal: AbortSignal;
  /** HTTP on the target with its credentials; timings go to `http_req_ms{route=…}`. */
  readonly http: SessionHttp;
  /** Connects an instrumented socket.io client; resolves once connected (`session_connect_ms`). */
  socket(namespace: string, auth?: SocketAuth, options?: SoakSocketOptions): Promise<SoakSocket>;
  /**
   * Ticks on a fixed schedule (default: `eventsPerSec`) until `signal` aborts. A tick that comes late
   * keeps its intended time, so latency measured from `intendedAt` includes any stall. Ticks due close
   * together are let out by one wake-up of the worker, so a tick can come early by up to a fiftieth of
   * its interval, at most 10 ms (10 ms at 2 events/s); the socket then counts its latency from the
   * actual send, and the rate over the session stays exact.
   */
  schedule(ratePerSec?: number): AsyncIterable<Tick>;
  /**
   * Resolves true after `ms` (or up to a fiftieth of it early, at most 10 ms, like a tick), or false
   * early when the session is told to end.
   */
  sleep(ms: number): Promise<boolean>;
  /** A custom metric, recorded in every window and usable in thresholds. */
  metric(name: string, kind?: CustomMetricKind): CustomMetric;
  /** The clock `intendedAt` uses (ms, monotonic). */
  now(): number;
}

export interface Tick {
  /** 0, 1, 2, … within this schedule. */
  seq: number;
  /** When the tick was due, on the `now()` clock. */
  intendedAt: number;
}

export type SocketAuth = Record<string, unknown> | ((callback: (data: object) => void) => void);

export interface SoakSocketOptions {
  /** Another socket.io URL than the target's. */
  url?: string;
  /** Default ['websocket']. */
  transports?: ('websocket' | 'polling' | 'webtransport')[];
  /** Connect timeout; default 10000. */
  timeoutMs?: number;
  /** Let socket.io-client reconnect after a drop (default true); reconnects are counted and timed. */
  reconnection?: boolean;
}

export interface AckResult<T = unknown> {
  ok: boolean;
  /** The server's ack arguments' first value. */
  ack?: T;
  /** From the intended (or actual) send time to the ack. */
  latencyMs?: number;
  /** 'timeout' when no ack came within the ack timeout. */
  reason?: 'timeout' | 'closed';
}

export interface EmitOptions {
  /**
   * Makes the emit a tracked event: counted in events_sent/acked/lost, timed in `event_rtt_ms`, and
   * checked for order. Emits without `seq` (control messages) are not.
   */
  seq?: number;
  /**
   * The intended send time (a tick's `intendedAt`); default: now. Latency counts from it, or from
   * the actual send when that came first (a timer that fired early).
   */
  intendedAt?: number;
  /** Default: the soak's `ackTimeoutMs`. */
  timeoutMs?: number;
}

export interface ExpectOptions {
  /** Time the event from this moment into `metric`. */
  intendedAt?: number;
  /** Histogram for the latency; default `reply_latency_ms`. */
  metric?: string;
}

/** A socket.io client whose events, acks, disconnects and reconnects are measured. */
export interface SoakSocket {
  readonly connected: boolean;
  /** The underlying socket.io-client socket, for anything not covered here. */
  readonly raw: Socket;
  /** Never rejects: a missing ack resolves `{ ok: false, reason: 'timeout' }` and counts as lost. */
  emitWithAck<T = unknown>(event: string, payload?: unknown, options?: EmitOptions): Promise<AckResult<T>>;
  /**
   * Resolves with the first `event` whose payload matches (a predicate, or an object whose fields must
   * be equal), or undefined after `timeoutMs`. With a `seq` in an object match, repeats and
   * out-of-order arrivals of that event count as duplicated / out of order.
   */
  expectEvent<T = unknown>(
    event: string,
    match?: ((payload: T) => boolean) | Record<string, unknown>,
    timeoutMs?: number,
    options?: ExpectOptions,
  ): Promise<T | undefined>;
  emit(event: string, ...args: unknown[]): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  /** The next disconnect is the script's own doing (e.g. after `session:end`), not a failure. */
  expectDisconnect(): void;
  /** Waits until every pending ack and expected event has arrived or timed out. */
  drain(): Promise<void>;
  /** Disconnects (expected). */
  close(): void;
}

export interface SessionHttp {
  /** As HttpClient.request; `route` names the timing series (default: the path with ids as {id}). */
  request(options: HttpRequestOptions & { route?: string }): Promise<HttpExchange>;
  /** A JSON request that must answer 2xx: resolves the parsed body, or throws naming the status. */
  json<T = unknown>(method: string, path: string, body?: unknown, options?: { route?: string }): Promise<T>;
}

export type CustomMetricKind = 'trend' | 'counter' | 'gauge' | 'rate';

export interface CustomMetric {
  /** trend: a value in the metric's unit; counter: an increment (default 1); gauge: the value; rate: a hit (true) or miss. */
  add(value?: number | boolean): void;
}
