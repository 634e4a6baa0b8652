/**
 * Every sleep of a worker's sessions in one queue under one timer. With a `setTimeout` per sleep, each
 * tick of each session allocated a timer that lived until it fired (half a second at 2 events/s), so
 * the young generation copied and promoted hundreds of them a second; here a sleep is one small
 * entry in a binary heap, and the one timer is re-armed for the earliest of them.
 */
export interface Sleep<T> {
  /** When it is due, on the queue's clock. */
  readonly at: number;
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
 * Due entries fire together when they fall within this much of now, so one wake-up of the timer lets
 * out a few sessions' ticks instead of one (at 600 ticks a second, firing and re-arming a timer for each
 * one was about a tenth of the worker's CPU profile). A sleep can therefore end up to this much early; a latency counted
 * from the intended send time never gets shorter for it, as the socket clamps it to the actual send.
 */
const FIRE_WITHIN_MS = 2;

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

  /** Resolves with `onTime` at `at`, or with `onWake` if its group is woken first. */
  sleep<T>(at: number, onTime: T, onWake: T, group: SleepGroup): Promise<T> {
    return new Promise<T>((resolve) => {
      const entry: Sleep<T> = { at, onTime, onWake, resolve, group, done: false };
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
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const heap = this.#heap;
    const until = this.#now() + FIRE_WITHIN_MS;
    while (heap.length > 0 && heap[0].at <= until) {
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
