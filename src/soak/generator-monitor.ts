import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface GeneratorWindow {
  /** This thread's CPU time over wall time, in percent of one core. */
  cpuPct: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

/**
 * The load generator watching itself, per worker thread: if its own event loop lags or its core is
 * saturated, the latencies it measures include its own queueing and the run cannot be trusted.
 */
export class GeneratorMonitor {
  readonly #delay: ReturnType<typeof monitorEventLoopDelay>;
  #cpu = process.threadCpuUsage();
  #at = performance.now();

  constructor() {
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
  }

  /** Usage since the last call. */
  take(): GeneratorWindow {
    const now = performance.now();
    const cpu = process.threadCpuUsage(this.#cpu);
    const wallUs = (now - this.#at) * 1000;
    const window: GeneratorWindow = {
      cpuPct: wallUs > 0 ? ((cpu.user + cpu.system) / wallUs) * 100 : 0,
      eventLoopP99Ms: this.#delay.count > 0 ? this.#delay.percentile(99) / 1e6 : 0,
      eventLoopMaxMs: this.#delay.count > 0 ? this.#delay.max / 1e6 : 0,
    };
    this.#cpu = process.threadCpuUsage();
    this.#at = now;
    this.#delay.reset();
    return window;
  }

  stop(): void {
    this.#delay.disable();
  }
}

/**
 * This thread's V8 heap (in use, and committed: what the isolate holds from the OS) and its off-heap
 * buffers; names as the report's generator gauges. RSS less the committed heaps and external memory
 * is the native rest (code, allocator, thread stacks), which tells a heap that grows from one that
 * does not.
 */
export function threadMemoryGauges(): Record<(typeof THREAD_MEMORY_GAUGES)[number], number> {
  const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return {
    generator_heap_used_bytes: heapUsed,
    generator_heap_total_bytes: heapTotal,
    generator_external_bytes: external,
    generator_array_buffers_bytes: arrayBuffers,
  };
}

/** Per-thread memory gauges: each worker reports its own isolate's, the engine adds the main thread's. */
export const THREAD_MEMORY_GAUGES = [
  'generator_heap_used_bytes',
  'generator_heap_total_bytes',
  'generator_external_bytes',
  'generator_array_buffers_bytes',
] as const;

/**
 * Self-test hook: busy-loops `ms` at a time with 10–50% of `ms` free in between (randomised, so the
 * stalls do not phase-lock with the sessions' send schedule), starving the thread's event loop.
 */
export function starve(ms: number): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    timer = setTimeout(
      () => {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // Burning CPU on purpose: this is the overload the generator check must catch.
        }
        next();
      },
      Math.max(5, ms * (0.1 + Math.random() * 0.4)),
    );
    timer.unref();
  };
  next();
  return { stop: () => clearTimeout(timer) };
}
