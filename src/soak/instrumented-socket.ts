import type { Socket } from 'socket.io-client';
import type { MetricSet } from '../metrics/metric-set.ts';
import type { AckResult, EmitOptions, ExpectOptions, SoakSocket } from './define.ts';
import { SeqWindow } from './seq-window.ts';

interface PendingAck {
  seq: number | undefined;
  intendedAt: number;
  deadline: number;
  done: boolean;
  resolve(result: AckResult<never>): void;
}

interface Waiter {
  /** A predicate, or an object whose every own key the payload must equal (checked without allocating). */
  match: unknown;
  intendedAt: number | undefined;
  metric: string;
  deadline: number;
  resolve(payload: unknown): void;
}

export interface SocketHost {
  readonly metrics: MetricSet;
  readonly ackTimeoutMs: number;
  now(): number;
  release(socket: InstrumentedSocket): void;
}

/**
 * A socket.io client that measures what a voice session cares about: ack round trips from the
 * intended send time, lost/late acks, pushed replies matched to their request, duplicates and
 * out-of-order arrivals, and every disconnect and reconnect with its reason. Timeouts are checked by
 * the worker's one sweep timer (`sweep`), not a timer per event.
 */
export class InstrumentedSocket implements SoakSocket {
  readonly raw: Socket;
  readonly #host: SocketHost;
  readonly #pending = new Set<PendingAck>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #seqTracks = new Map<string, SeqWindow>();
  readonly #drainers: (() => void)[] = [];
  #maxAckedSeq = -1;
  /** No deadline is earlier than this (it may be stale-early after settles), so most sweeps are one comparison. */
  #nextDeadline = Number.POSITIVE_INFINITY;
  #expectingDisconnect = false;
  #closed = false;
  #disconnectedAt: number | undefined;

  constructor(raw: Socket, host: SocketHost) {
    this.raw = raw;
    this.#host = host;
    const { metrics } = host;
    raw.on('disconnect', (reason) => {
      if (this.#expectingDisconnect || this.#closed || reason === 'io client disconnect') {
        this.#expectingDisconnect = false;
        metrics.add('disconnects_expected');
        return;
      }
      metrics.addLabelled('disconnects', 'reason', reason);
      this.#disconnectedAt = host.now();
    });
    raw.on('connect', () => {
      if (this.#disconnectedAt === undefined) return;
      metrics.add('reconnects');
      metrics.record('reconnect_ms', host.now() - this.#disconnectedAt);
      this.#disconnectedAt = undefined;
    });
    raw.on('connect_error', (error: Error) => {
      metrics.addLabelled('connect_errors', 'message', error.message);
    });
  }

  get connected(): boolean {
    return this.raw.connected;
  }

  get idle(): boolean {
    return this.#pending.size === 0 && this.#waiterCount() === 0;
  }

  emitWithAck<T = unknown>(
    event: string,
    payload?: unknown,
    options: EmitOptions = {},
  ): Promise<AckResult<T>> {
    const now = this.#host.now();
    const { seq } = options;
    if (seq !== undefined) this.#host.metrics.add('events_sent');
    return new Promise<AckResult<T>>((resolve) => {
      const entry: PendingAck = {
        seq,
        intendedAt: sendOrigin(options.intendedAt, now),
        deadline: now + (options.timeoutMs ?? this.#host.ackTimeoutMs),
        done: false,
        resolve: resolve as PendingAck['resolve'],
      };
      if (entry.deadline < this.#nextDeadline) this.#nextDeadline = entry.deadline;
      if (this.#closed) {
        this.#settleLost(entry, 'closed');
        return;
      }
      this.#pending.add(entry);
      const onAck = (ack: unknown) => this.#onAck(entry, ack);
      if (payload === undefined) this.raw.emit(event, onAck);
      else this.raw.emit(event, payload, onAck);
    });
  }

  expectEvent<T = unknown>(
    event: string,
    match?: ((payload: T) => boolean) | Record<string, unknown>,
    timeoutMs?: number,
    options: ExpectOptions = {},
  ): Promise<T | undefined> {
    let list = this.#waiters.get(event);
    if (!list) {
      list = [];
      this.#waiters.set(event, list);
      this.raw.on(event, (payload: unknown) => this.#onEvent(event, payload));
    }
    if (match && typeof match === 'object' && typeof match.seq === 'number' && !this.#seqTracks.has(event)) {
      this.#seqTracks.set(event, new SeqWindow());
    }
    const waiters = list;
    const now = this.#host.now();
    const deadline = now + (timeoutMs ?? this.#host.ackTimeoutMs);
    if (deadline < this.#nextDeadline) this.#nextDeadline = deadline;
    return new Promise<T | undefined>((resolve) => {
      waiters.push({
        match,
        intendedAt: options.intendedAt === undefined ? undefined : sendOrigin(options.intendedAt, now),
        metric: options.metric ?? 'reply_latency_ms',
        deadline,
        resolve: resolve as (payload: unknown) => void,
      });
    });
  }

  emit(event: string, ...args: unknown[]): void {
    this.raw.emit(event, ...args);
  }

  on(event: string, listener: (...args: unknown[]) => void): void {
    this.raw.on(event, listener);
  }

  expectDisconnect(): void {
    this.#expectingDisconnect = true;
  }

  drain(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  /** The script's own close: acks still outstanding will never come, so they count as lost. */
  close(): void {
    this.#shut('closed');
  }

  /** The engine's close at the end of a run: outstanding acks were cut off, not lost. */
  abandon(): void {
    this.#shut('abandoned');
  }

  /** Settles everything past its deadline; called by the worker's sweep timer. */
  sweep(now: number): void {
    if (now < this.#nextDeadline) return;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending) {
      if (entry.deadline <= now) this.#settleLost(entry, 'timeout');
      else if (entry.deadline < next) next = entry.deadline;
    }
    for (const [event, waiters] of this.#waiters) {
      let due = false;
      for (const waiter of waiters) {
        if (waiter.deadline <= now) due = true;
        else if (waiter.deadline < next) next = waiter.deadline;
      }
      if (!due) continue;
      const kept = waiters.filter((waiter) => {
        if (waiter.deadline > now) return true;
        this.#host.metrics.addLabelled('replies_missed', 'event', event);
        waiter.resolve(undefined);
        return false;
      });
      this.#waiters.set(event, kept);
    }
    this.#nextDeadline = next;
    this.#checkDrained();
  }

  #shut(mode: 'closed' | 'abandoned'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#pending) {
      if (mode === 'closed') this.#settleLost(entry, 'closed');
      else {
        entry.done = true;
        this.#pending.delete(entry);
        if (entry.seq !== undefined) this.#host.metrics.add('events_abandoned');
        entry.resolve({ ok: false, reason: 'closed' });
      }
    }
    for (const waiters of this.#waiters.values())
      for (const waiter of waiters.splice(0)) waiter.resolve(undefined);
    this.raw.disconnect();
    this.#checkDrained();
    this.#host.release(this);
  }

  #onAck(entry: PendingAck, ack: unknown): void {
    const { metrics } = this.#host;
    if (entry.done) {
      if (entry.seq !== undefined) metrics.add('events_late');
      return;
    }
    entry.done = true;
    this.#pending.delete(entry);
    const latencyMs = this.#host.now() - entry.intendedAt;
    if (entry.seq !== undefined) {
      metrics.add('events_acked');
      metrics.record('event_rtt_ms', latencyMs);
      if (entry.seq < this.#maxAckedSeq) metrics.add('events_out_of_order');
      else this.#maxAckedSeq = entry.seq;
    }
    entry.resolve({ ok: true, ack: ack as never, latencyMs });
    this.#checkDrained();
  }

  #onEvent(event: string, payload: unknown): void {
    const { metrics } = this.#host;
    const track = this.#seqTracks.get(event);
    const seq = (payload as { seq?: unknown } | null)?.seq;
    if (track && typeof seq === 'number') {
      const arrival = track.record(seq);
      if (arrival === 'duplicate') {
        metrics.add('events_duplicated');
        return;
      }
      if (arrival === 'out-of-order') metrics.add('events_out_of_order');
    }
    const waiters = this.#waiters.get(event) ?? [];
    let index = 0;
    while (index < waiters.length && !matches(waiters[index].match, payload)) index += 1;
    if (index === waiters.length) {
      metrics.addLabelled('replies_unmatched', 'event', event);
      return;
    }
    const [waiter] = waiters.splice(index, 1);
    if (waiter.intendedAt !== undefined) metrics.record(waiter.metric, this.#host.now() - waiter.intendedAt);
    waiter.resolve(payload);
    this.#checkDrained();
  }

  #settleLost(entry: PendingAck, reason: 'timeout' | 'closed'): void {
    entry.done = true;
    this.#pending.delete(entry);
    if (entry.seq !== undefined) this.#host.metrics.add('events_lost');
    entry.resolve({ ok: false, reason });
  }

  #waiterCount(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.length;
    return count;
  }

  #checkDrained(): void {
    if (this.#drainers.length === 0 || !this.idle) return;
    for (const resolve of this.#drainers.splice(0)) resolve();
  }
}

function matches(match: unknown, payload: unknown): boolean {
  if (typeof match === 'function') return Boolean((match as (payload: unknown) => boolean)(payload));
  if (!match || typeof match !== 'object') return true;
  if (!payload || typeof payload !== 'object') return false;
  const wanted = match as Record<string, unknown>;
  const record = payload as Record<string, unknown>;
  for (const key in wanted) if (Object.hasOwn(wanted, key) && record[key] !== wanted[key]) return false;
  return true;
}

/**
 * Where a latency counts from: the intended send time, so a late send (a stalled generator) still
 * counts against the target, but never after the actual send: a timer that fired early (timers
 * round to the loop's millisecond clock) would otherwise shorten the latency, down to a negative
 * value clamped to the histogram's floor.
 */
function sendOrigin(intendedAt: number | undefined, sentAt: number): number {
  return intendedAt === undefined ? sentAt : Math.min(intendedAt, sentAt);
}
