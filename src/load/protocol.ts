import type { RawWindow } from '../metrics/metric-set.ts';
import type { ResolvedRoute } from './mix.ts';
import type { LoadPlan } from './plan.ts';

/** What a load worker thread is started with (its workerData). */
export interface LoadWorkerInit {
  workerIndex: number;
  plan: LoadPlan;
  routes: ResolvedRoute[];
  baseUrl: string;
  /** Credentials from target.auth, resolved on the main thread. */
  authHeaders: Record<string, string>;
  /** Self-test hook (SHAKEDOWN_LOAD_STARVE_MS): busy-loop this many ms at a time. */
  starveMs: number;
}

export type ToLoadWorker =
  | { type: 'start'; epochMs: number }
  | { type: 'window'; id: number }
  | { type: 'stop' };

/** One response kept for validation against the spec (1 in `validateEvery`). */
export interface SampledResponse {
  route: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms since the run started, when it was answered. */
  atMs: number;
}

/** Running totals since the start, for the live console line. */
export interface LoadLive {
  sent: number;
  done: number;
  failed: number;
  dropped: number;
  inFlight: number;
}

export type FromLoadWorker =
  | { type: 'ready' }
  | { type: 'window'; id: number; raw: RawWindow }
  | { type: 'samples'; samples: SampledResponse[] }
  | { type: 'live'; live: LoadLive }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'stopped' };

/** Gauges that add up across workers; every other gauge takes the maximum. */
export const SUMMED_LOAD_GAUGES: ReadonlySet<string> = new Set(['http_reqs_in_flight']);
