import { Worker } from 'node:worker_threads';
import type { RawWindow } from '../metrics/metric-set.ts';
import { WindowRequests } from '../metrics/window-requests.ts';
import type { FromLoadWorker, LoadLive, LoadWorkerInit, SampledResponse, ToLoadWorker } from './protocol.ts';

export interface LoadPoolHandlers {
  onLive(workerIndex: number, live: LoadLive): void;
  onSamples(samples: SampledResponse[]): void;
  onLog(level: 'info' | 'warn' | 'error', message: string): void;
}

const READY_TIMEOUT_MS = 60_000;

/** The load's worker threads, seen from the main thread: start, ask for windows, learn when they are done. */
export class LoadWorkerPool {
  readonly #workers: Worker[] = [];
  readonly #windows = new WindowRequests();
  readonly #stopped: Promise<void>[] = [];
  #failure: string | null = null;
  #terminating = false;

  static async start(inits: readonly LoadWorkerInit[], handlers: LoadPoolHandlers): Promise<LoadWorkerPool> {
    const pool = new LoadWorkerPool();
    try {
      await Promise.all(inits.map((init) => pool.#spawn(init, handlers)));
    } catch (error) {
      await pool.terminate();
      throw error;
    }
    return pool;
  }

  /** Why a worker died, if one did. */
  get failure(): string | null {
    return this.#failure;
  }

  /** Resolves once every worker has finished its share (or died). */
  get allStopped(): Promise<void> {
    return Promise.all(this.#stopped).then(() => {});
  }

  begin(epochMs: number): void {
    this.#broadcast({ type: 'start', epochMs });
  }

  stop(): void {
    this.#broadcast({ type: 'stop' });
  }

  window(id: number, timeoutMs: number): Promise<RawWindow[]> {
    return this.#windows.collect(id, this.#workers.length, timeoutMs, () =>
      this.#broadcast({ type: 'window', id }),
    );
  }

  async terminate(): Promise<void> {
    this.#terminating = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #spawn(init: LoadWorkerInit, handlers: LoadPoolHandlers): Promise<void> {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: init });
    const index = this.#workers.push(worker) - 1;
    let markStopped: () => void = () => {};
    this.#stopped.push(new Promise((resolve) => (markStopped = resolve)));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`load worker ${index} did not start within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      worker.on('message', (message: FromLoadWorker) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            resolve();
            break;
          case 'window':
            this.#windows.answer(message.id, index, message.raw);
            break;
          case 'samples':
            handlers.onSamples(message.samples);
            break;
          case 'live':
            handlers.onLive(index, message.live);
            break;
          case 'log':
            handlers.onLog(message.level, message.message);
            break;
          case 'stopped':
            markStopped();
            break;
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        this.#failure ??= `load worker ${index} crashed: ${error.message}`;
        reject(error);
        this.#release(index);
        markStopped();
      });
      worker.on('exit', (code) => {
        if (code !== 0 && !this.#terminating)
          this.#failure ??= `load worker ${index} exited with code ${code}`;
        this.#release(index);
        markStopped();
      });
    });
  }

  #release(index: number): void {
    this.#windows.workerGone(index);
  }

  #broadcast(message: ToLoadWorker): void {
    for (const worker of this.#workers) {
      try {
        worker.postMessage(message);
      } catch {
        // The worker is gone; its failure is already recorded.
      }
    }
  }
}
