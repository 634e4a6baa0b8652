import type { RawWindow } from './metric-set.ts';

/**
 * The main thread's side of "close window `id`": one answer per worker thread, collected with a
 * timeout. A worker that does not answer in time, or exits, contributes nothing. Shared by the soak's
 * and the load's worker pools.
 */
export class WindowRequests {
  readonly #waiters = new Map<number, Map<number, (raw: RawWindow | null) => void>>();

  /** Asks every worker (through `broadcast`) for window `id` and returns the answers that came. */
  async collect(id: number, workers: number, timeoutMs: number, broadcast: () => void): Promise<RawWindow[]> {
    const waiters = new Map<number, (raw: RawWindow | null) => void>();
    this.#waiters.set(id, waiters);
    const answers = Array.from(
      { length: workers },
      (_, index) =>
        new Promise<RawWindow | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), timeoutMs);
          waiters.set(index, (raw) => {
            clearTimeout(timer);
            resolve(raw);
          });
        }),
    );
    broadcast();
    const raws = await Promise.all(answers);
    this.#waiters.delete(id);
    return raws.filter((raw): raw is RawWindow => raw !== null);
  }

  /** A worker's answer for window `id`. */
  answer(id: number, worker: number, raw: RawWindow): void {
    this.#waiters.get(id)?.get(worker)?.(raw);
  }

  /** A worker that exited answers nothing to every pending request. */
  workerGone(worker: number): void {
    for (const waiters of this.#waiters.values()) waiters.get(worker)?.(null);
  }
}
