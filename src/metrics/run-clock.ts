/**
 * An engine's clock: time since the run's epoch (shared with its worker threads), and one sleep until
 * a given elapsed time that an early stop can cut short.
 */
export class RunClock {
  #epochMs = 0;
  #wake: (() => void) | null = null;

  /** Starts the clock; returns the epoch (ms since the Unix epoch, sub-millisecond) for the workers. */
  start(): number {
    this.#epochMs = performance.timeOrigin + performance.now();
    return this.#epochMs;
  }

  elapsedMs(): number {
    return performance.timeOrigin + performance.now() - this.#epochMs;
  }

  /** Resolves once `elapsedMs()` reaches `ms`, or at `wake()`. */
  sleepUntil(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms - this.elapsedMs()));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  /** Ends the current sleep now (a stop, or the workers finishing early). */
  wake(): void {
    this.#wake?.();
  }
}
