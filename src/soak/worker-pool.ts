import { Worker } from 'node:worker_threads';
import type { RawWindow } from '../metrics/metric-set.ts';
import { WindowRequests } from '../metrics/window-requests.ts';
import type { FromWorker, LiveStats, ToWorker, WorkerInit } from './protocol.ts';

// From the sources (this repository) the worker is worker.ts, from the build worker.js. No execArgv is
// given: the thread inherits node's flags, process-wide ones such as --trace-gc included, which a
// list given here would have to leave out.
const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export interface PoolHandlers {
  onLive(workerIndex: number, live: LiveStats): void;
  onLog(level: 'info' | 'warn' | 'error', message: string): void;
  /** Fresh credentials for a worker whose request got a 401. */
  onAuthRefresh(): Promise<Record<string, string>>;
}

const READY_TIMEOUT_MS = 60_000;
/**
 * The young generation of a worker's heap, capped: left to itself, V8 in Node 24 grows it up to
 * 128 MiB under the sessions' steady allocation and keeps it, steps in the generator's RSS that are no
 * leak but read like one over a soak. The smaller the cap, the more often the young generation is
 * collected, which the worker and V8's helper threads pay for with every event; 32 MiB is reached
 * within the warm-up, so RSS stays flat after it (bench/soak.bench.ts; numbers in the README's soak section).
 */
const MAX_YOUNG_GENERATION_MB = 32;

/** The soak's worker threads, seen from the main thread: start, ask for windows, stop. */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #windows = new WindowRequests();
  readonly #stopped = new Map<number, () => void>();
  #failure: string | null = null;
  #terminating = false;

  /** Starts one thread per init and resolves once every one has loaded the script. */
  static async start(inits: readonly WorkerInit[], handlers: PoolHandlers): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const ready = inits.map((init) => pool.#spawn(init, handlers));
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.terminate();
      throw error;
    }
    return pool;
  }

  /** Why a worker died, if one did: the run cannot go on with a hole in its sessions. */
  get failure(): string | null {
    return this.#failure;
  }

  begin(epochMs: number): void {
    this.#broadcast({ type: 'start', epochMs });
  }

  /** One window from every worker; a worker that does not answer in time contributes nothing. */
  window(id: number, timeoutMs: number): Promise<RawWindow[]> {
    return this.#windows.collect(id, this.#workers.length, timeoutMs, () =>
      this.#broadcast({ type: 'window', id }),
    );
  }

  /** Tells every worker to end its sessions and waits (grace plus a margin) for them to say so. */
  async stop(graceMs: number): Promise<void> {
    const done = this.#workers.map(
      (_, index) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs + 5_000);
          this.#stopped.set(index, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    this.#broadcast({ type: 'stop', graceMs });
    await Promise.all(done);
  }

  async terminate(): Promise<void> {
    this.#terminating = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #spawn(init: WorkerInit, handlers: PoolHandlers): Promise<void> {
    const worker = new Worker(WORKER_FILE, {
      workerData: init,
      resourceLimits: { maxYoungGenerationSizeMb: MAX_YOUNG_GENERATION_MB },
    });
    const index = this.#workers.push(worker) - 1;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`soak worker ${index} did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            resolve();
            break;
          case 'window':
            this.#windows.answer(message.id, index, message.raw);
            break;
          case 'live':
            handlers.onLive(index, message.live);
            break;
          case 'log':
            handlers.onLog(message.level, message.message);
            break;
          case 'auth-refresh':
            void handlers.onAuthRefresh().then((headers) => this.#send(index, { type: 'auth', headers }));
            break;
          case 'stopped':
            this.#stopped.get(index)?.();
            break;
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        this.#failure ??= `soak worker ${index} crashed: ${error.message}`;
        reject(error);
        this.#releaseWaiters(index);
      });
      worker.on('exit', (code) => {
        if (code !== 0 && !this.#terminating)
          this.#failure ??= `soak worker ${index} exited with code ${code}`;
        this.#releaseWaiters(index);
      });
    });
  }

  #releaseWaiters(index: number): void {
    this.#windows.workerGone(index);
    this.#stopped.get(index)?.();
  }

  #broadcast(message: ToWorker): void {
    for (let index = 0; index < this.#workers.length; index += 1) this.#send(index, message);
  }

  #send(index: number, message: ToWorker): void {
    try {
      this.#workers[index].postMessage(message);
    } catch {
      // The worker is gone; its failure is already recorded.
    }
  }
}
