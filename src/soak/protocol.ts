import type { RawWindow } from '../metrics/metric-set.ts';
import { THREAD_MEMORY_GAUGES } from './generator-monitor.ts';
import type { SoakPlan } from './plan.ts';

/** What a worker thread is started with (its workerData). */
export interface WorkerInit {
  workerIndex: number;
  scriptFile: string;
  plan: SoakPlan;
  /** Global slot numbers this worker plays, out of plan.sessions. */
  slots: number[];
  baseUrl: string;
  socketUrl: string;
  secrets: Record<string, string>;
  authHeaders: Record<string, string>;
  /** Where this run's loopback source addresses start (random, so runs do not share rate-limit counters). */
  sourceOffset: number;
  /** Self-test hook (SHAKEDOWN_SOAK_STARVE_MS): busy-loop this many ms at a time. */
  starveMs: number;
}

export type ToWorker =
  | { type: 'start'; epochMs: number }
  | { type: 'window'; id: number }
  | { type: 'stop'; graceMs: number }
  | { type: 'auth'; headers: Record<string, string> };

/** Running totals since the start, plus the current latency, for the live console line. */
export interface LiveStats {
  active: number;
  sent: number;
  acked: number;
  lost: number;
  disconnects: number;
  p95Ms: number;
  p99Ms: number;
  cpuPct: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'window'; id: number; raw: RawWindow }
  | { type: 'live'; live: LiveStats }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'auth-refresh' }
  | { type: 'stopped' };

/** Gauges that add up across workers; every other gauge takes the maximum. */
export const SUMMED_GAUGES: ReadonlySet<string> = new Set([
  'sessions_active',
  'sessions_active_avg',
  ...THREAD_MEMORY_GAUGES,
]);
