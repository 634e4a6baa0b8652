/**
 * Every sleep of a worker's sessions in one queue under one timer. With a `setTimeout` per sleep, each
 * tick of each session allocated a timer that lived until it fired (half a second at 2 events/s), so
 * the young generation copied and promoted hundreds of them a second; here a sleep is one small
 * entry in a binary heap, and the one timer is re-armed for the earliest of them.
 */
export interface Sleep<T> {
  /** When it is due, on the queue's clock. */
  readonly at: number;
  /** How early it may be let out, to share a wake-up with the sleeps due just before it. */
  readonly slack: number;
  /** What the sleeper gets when it is due. */
  readonly onTime: T;
  /** What it gets when woken early (`wake`). */
  readonly onWake: T;
  resolve(value: T): void;
  /** The sleeps woken together with this one (a session's, or the slots'); it leaves the group when resolved. */
  readonly group: SleepGroup;
  /** Set once resolved, either way. */
  done: boolean;
}

/**
 * The sleeps woken together: one session's (woken when it ends), or the slots' (when the run stops).
 * A session rarely has more than one, so a plain array, which keeps its storage from tick to tick.
 */
export class SleepGroup {
  readonly #entries: Sleep<unknown>[] = [];

  get size(): number {
    return this.#entries.length;
  }

  add(entry: Sleep<unknown>): void {
    this.#entries.push(entry);
  }

  delete(entry: Sleep<unknown>): void {
    const index = this.#entries.indexOf(entry);
    if (index === -1) return;
    const last = this.#entries.pop()!;
    if (index < this.#entries.length) this.#entries[index] = last;
  }

  /** Takes every entry out. */
  take(): Sleep<unknown>[] {
    return this.#entries.splice(0);
  }
}

/**
 * How early a sleep may be let out: a fiftieth of its length, at most 10 ms. One wake-up of the
 * worker thread (the timer, epoll, back into JS) costs about 20 µs of CPU on a small VM, more than
 * the tick it wakes for; at 2 events/s a session's tick may come up to 10 ms early, so one wake-up
 * lets out every tick due within those 10 ms instead of one each. A latency counted from the intended
 * send time never gets shorter for it, as the socket clamps it to the actual send.
 */
export const MAX_EARLY_MS = 10;
const EARLY_FRACTION = 1 / 50;

/** The slack of a sleep of `lengthMs`, for {@link TimerQueue.sleep}. */
export function slackFor(lengthMs: number): number {
  return Math.min(MAX_EARLY_MS, Math.max(0, lengthMs) * EARLY_FRACTION);
}

export class TimerQueue {
  readonly #now: () => number;
  readonly #heap: Sleep<unknown>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Pending sleeps, woken ones included until their time comes round. */
  get size(): number {
    return this.#heap.length;
  }

  /**
   * Resolves with `onTime` at `at` (or up to `slack` ms before, when a wake-up for an earlier sleep
   * comes by then), or with `onWake` if its group is woken first.
   */
  sleep<T>(at: number, onTime: T, onWake: T, group: SleepGroup, slack = 0): Promise<T> {
    return new Promise<T>((resolve) => {
      const entry: Sleep<T> = { at, slack, onTime, onWake, resolve, group, done: false };
      group.add(entry as Sleep<unknown>);
      this.#push(entry as Sleep<unknown>);
      if (at < this.#armedFor) this.#arm(at);
    });
  }

  /** Resolves every sleep of the group now, with its `onWake`; each leaves the heap when its time comes. */
  wake(group: SleepGroup): void {
    for (const entry of group.take()) settle(entry, entry.onWake);
  }

  /** Wakes every pending sleep and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    for (const entry of this.#heap.splice(0)) settle(entry, entry.onWake);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = at;
    // Rounded up: node's timers count whole milliseconds, so a fractional delay can fire a little
    // before `at`, find nothing due, and cost a second wake-up.
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - this.#now())));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const heap = this.#heap;
    const now = this.#now();
    // In time order: a sleep that may not go yet keeps the ones behind it for their own wake-up.
    while (heap.length > 0 && heap[0].at - heap[0].slack <= now) {
      const entry = this.#pop();
      settle(entry, entry.onTime);
    }
    if (heap.length > 0) this.#arm(heap[0].at);
  }

  #push(entry: Sleep<unknown>): void {
    const heap = this.#heap;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= entry.at) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): Sleep<unknown> {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right].at < heap[left].at ? right : left;
      if (heap[child].at >= last.at) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function settle(entry: Sleep<unknown>, value: unknown): void {
  if (entry.done) return;
  entry.done = true;
  entry.group.delete(entry);
  entry.resolve(value);
}
