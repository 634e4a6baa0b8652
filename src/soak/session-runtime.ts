import { io } from 'socket.io-client';
import type { HttpClient } from '../http/client.ts';
import type { MetricSet } from '../metrics/metric-set.ts';
import type {
  CustomMetric,
  CustomMetricKind,
  SessionContext,
  SoakScript,
  SoakSocketOptions,
  SocketAuth,
  Tick,
} from './define.ts';
import { InstrumentedSocket, type SocketHost } from './instrumented-socket.ts';
import { sourceAddress } from './loopback-sources.ts';
import type { SoakPlan } from './plan.ts';
import { sessionHttp } from './session-http.ts';
import { SleepGroup, slackFor, TimerQueue } from './timer-queue.ts';

export interface RuntimeOptions {
  plan: SoakPlan;
  slots: readonly number[];
  script: SoakScript;
  http: HttpClient;
  metrics: MetricSet;
  baseUrl: string;
  socketUrl: string;
  secrets: Record<string, string>;
  /** Where this run's loopback source addresses start, when plan.loopbackSources is set. */
  sourceOffset: number;
  /** A session's error, for the run's log (each distinct message once). */
  onError(message: string): void;
}

const SWEEP_EVERY_MS = 100;
const DONE: IteratorResult<Tick> = Object.freeze({ done: true, value: undefined });
const MAX_BACKOFF_MS = 10_000;
/** A slot never starts sessions faster than this, even if the script returns at once. */
const MIN_SESSION_SPACING_MS = 100;

/**
 * Plays the worker's slots: each slot starts on the ramp-up schedule, runs one session after another
 * (a failed one is retried with backoff), and stops at its ramp-down time or when the run stops.
 */
export class SessionRuntime implements SocketHost {
  readonly metrics: MetricSet;
  readonly ackTimeoutMs: number;
  readonly #options: RuntimeOptions;
  readonly #sockets = new Set<InstrumentedSocket>();
  readonly #timers = new TimerQueue(() => this.now());
  /** The slots' own sleeps (ramp-up, backoff), woken when the run stops. */
  readonly #slotSleeps = new SleepGroup();
  readonly #sessions = new Set<AbortController>();
  readonly #slotRuns: Promise<void>[] = [];
  #stopping = false;
  #epoch = 0;
  #active = 0;
  #activeArea = 0;
  #activeSince = 0;
  #windowStart = 0;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: RuntimeOptions) {
    this.#options = options;
    this.metrics = options.metrics;
    this.ackTimeoutMs = options.plan.ackTimeoutMs;
  }

  now(): number {
    return performance.now();
  }

  get active(): number {
    return this.#active;
  }

  release(socket: InstrumentedSocket): void {
    this.#sockets.delete(socket);
  }

  /** `epoch` is the run's start on this thread's performance clock. */
  start(epoch: number): void {
    this.#epoch = epoch;
    this.#windowStart = this.now();
    this.#activeSince = this.now();
    this.#sweep = setInterval(() => {
      const now = this.now();
      for (const socket of this.#sockets) socket.sweep(now);
    }, SWEEP_EVERY_MS);
    for (const slot of this.#options.slots) this.#slotRuns.push(this.#runSlot(slot));
  }

  #sourceAddress(slot: number): string | undefined {
    const { loopbackSources } = this.#options.plan;
    return loopbackSources > 0 ? sourceAddress(this.#options.sourceOffset, slot, loopbackSources) : undefined;
  }

  /** Gauges of the window now closing: sessions active at its end and on average over it. */
  closeWindowGauges(): void {
    const now = this.now();
    this.#accumulateActive(now);
    const spanMs = now - this.#windowStart;
    this.metrics.gauge('sessions_active', this.#active);
    this.metrics.gauge('sessions_active_avg', spanMs > 0 ? this.#activeArea / spanMs : this.#active);
    this.#activeArea = 0;
    this.#windowStart = now;
  }

  /** Ends every session, waits up to `graceMs` for them to finish, then cuts off what is left. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    for (const controller of this.#sessions) controller.abort();
    this.#timers.wake(this.#slotSleeps);
    const all = Promise.allSettled(this.#slotRuns);
    if (!(await settlesWithin(all, graceMs))) {
      for (const socket of [...this.#sockets]) socket.abandon();
      await settlesWithin(all, 2_000);
    }
    clearInterval(this.#sweep);
    this.#timers.close();
    for (const socket of [...this.#sockets]) socket.abandon();
  }

  async #runSlot(slot: number): Promise<void> {
    const { plan } = this.#options;
    const startAt = this.#epoch + (plan.rampUpMs * slot) / plan.sessions;
    const stopAt = this.#epoch + plan.durationMs - (plan.rampDownMs * slot) / plan.sessions;
    if (!(await this.#sleepUntil(startAt))) return;
    let backoffMs = 0;
    for (let iteration = 0; !this.#stopping && this.now() < stopAt; iteration += 1) {
      if (backoffMs > 0 && !(await this.#sleepUntil(this.now() + backoffMs))) return;
      // The first session of each slot lives 50–100% of the lifetime, so replacements do not all
      // arrive together when sessions started together.
      const spread = iteration === 0 ? 0.5 + (0.5 * (slot + 1)) / plan.sessions : 1;
      const endsAt = Math.min(stopAt, this.now() + plan.sessionLifetimeMs * spread);
      const startedAt = this.now();
      const ok = await this.#runSession(slot, iteration, endsAt);
      backoffMs = ok ? 0 : Math.min(MAX_BACKOFF_MS, Math.max(1_000, backoffMs * 2));
      const spacing = startedAt + MIN_SESSION_SPACING_MS - this.now();
      if (ok && spacing > 0 && !(await this.#sleepUntil(this.now() + spacing))) return;
    }
  }

  async #runSession(slot: number, iteration: number, endsAt: number): Promise<boolean> {
    const controller = new AbortController();
    const lifetimeMs = Math.max(0, endsAt - this.now());
    const timer = setTimeout(() => controller.abort(), lifetimeMs);
    // One listener per session wakes whatever the session sleeps on, instead of one per tick.
    const sleeps = new SleepGroup();
    controller.signal.addEventListener('abort', () => this.#timers.wake(sleeps));
    this.#sessions.add(controller);
    const sockets = new Set<InstrumentedSocket>();
    this.#setActive(+1);
    this.metrics.add('sessions_started');
    try {
      await this.#options.script.session(
        this.#context(slot, iteration, lifetimeMs, controller.signal, sleeps, sockets),
      );
      this.metrics.add('sessions_ended');
      return true;
    } catch (error) {
      this.metrics.add('sessions_failed');
      this.#options.onError(error instanceof Error ? error.message : String(error));
      return false;
    } finally {
      clearTimeout(timer);
      this.#sessions.delete(controller);
      for (const socket of sockets) socket.close();
      this.#setActive(-1);
    }
  }

  #context(
    slot: number,
    iteration: number,
    lifetimeMs: number,
    signal: AbortSignal,
    sleeps: SleepGroup,
    sockets: Set<InstrumentedSocket>,
  ): SessionContext {
    const { plan, baseUrl, socketUrl, secrets, http, metrics } = this.#options;
    return {
      slot,
      iteration,
      baseUrl,
      socketUrl,
      secrets,
      eventsPerSec: plan.eventsPerSec,
      lifetimeMs,
      ackTimeoutMs: plan.ackTimeoutMs,
      signal,
      http: sessionHttp(http, metrics, this.#sourceAddress(slot)),
      socket: async (namespace, auth, options) => {
        const socket = await this.#connect(namespace, auth, options);
        sockets.add(socket);
        return socket;
      },
      schedule: (ratePerSec) => this.#schedule(ratePerSec ?? plan.eventsPerSec, signal, sleeps),
      sleep: (ms) => this.#sleepUntil(this.now() + ms, signal, sleeps),
      metric: (name, kind) => customMetric(metrics, name, kind ?? 'trend'),
      now: () => this.now(),
    };
  }

  async #connect(
    namespace: string,
    auth: SocketAuth | undefined,
    options: SoakSocketOptions = {},
  ): Promise<InstrumentedSocket> {
    const url = `${(options.url ?? this.#options.socketUrl).replace(/\/$/, '')}${namespace.startsWith('/') ? '' : '/'}${namespace}`;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const raw = io(url, {
      auth: auth as Record<string, unknown>,
      transports: options.transports ?? ['websocket'],
      forceNew: true,
      reconnection: options.reconnection ?? true,
      timeout: timeoutMs,
    });
    const socket = new InstrumentedSocket(raw, this);
    const startedAt = this.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        raw.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        raw.once('connect_error', (error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } catch (error) {
      socket.abandon();
      throw new Error(`socket.io connect to ${namespace} failed: ${(error as Error).message}`);
    }
    this.metrics.record('session_connect_ms', this.now() - startedAt);
    this.#sockets.add(socket);
    return socket;
  }

  #schedule(ratePerSec: number, signal: AbortSignal, sleeps: SleepGroup): AsyncIterable<Tick> {
    const runtime = this;
    const intervalMs = 1000 / ratePerSec;
    const slack = slackFor(intervalMs);
    return {
      [Symbol.asyncIterator]() {
        const start = runtime.now();
        let seq = 0;
        return {
          // Not async: a tick costs one promise, resolved by the worker's timer queue.
          next(): Promise<IteratorResult<Tick>> {
            if (signal.aborted || runtime.#stopping) return Promise.resolve(DONE);
            const tick = { seq, intendedAt: start + seq * intervalMs };
            seq += 1;
            const due: IteratorResult<Tick> = { done: false, value: tick };
            if (tick.intendedAt - slack <= runtime.now()) return Promise.resolve(due);
            return runtime.#timers.sleep(tick.intendedAt, due, DONE, sleeps, slack);
          },
          return(): Promise<IteratorResult<Tick>> {
            return Promise.resolve(DONE);
          },
        };
      },
    };
  }

  /**
   * Resolves true at `at`, or false early when woken: `sleeps` is the session's group (woken when the
   * session ends) or, for slot-level waits, the slots' (woken when the run stops).
   */
  #sleepUntil(at: number, signal?: AbortSignal, sleeps: SleepGroup = this.#slotSleeps): Promise<boolean> {
    if (this.#stopping || signal?.aborted) return Promise.resolve(false);
    return this.#timers.sleep(at, true, false, sleeps, slackFor(at - this.now()));
  }

  #setActive(delta: number): void {
    this.#accumulateActive(this.now());
    this.#active += delta;
  }

  #accumulateActive(now: number): void {
    this.#activeArea += this.#active * (now - this.#activeSince);
    this.#activeSince = now;
  }
}

function customMetric(metrics: MetricSet, name: string, kind: CustomMetricKind): CustomMetric {
  switch (kind) {
    case 'counter':
      return { add: (value = 1) => metrics.add(name, Number(value)) };
    case 'gauge':
      return { add: (value = 0) => metrics.gauge(name, Number(value)) };
    case 'rate':
      return { add: (value = true) => metrics.rate(name, Boolean(value)) };
    default:
      return { add: (value = 0) => metrics.record(name, Number(value)) };
  }
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
