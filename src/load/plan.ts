import type { LoadConfig } from '../config/schema.ts';
import type { EngineOptions } from '../engine-context.ts';

/** A stretch of the open model's timetable: the rate goes linearly from `fromPerSec` to `toPerSec`. */
export interface RateSegment {
  startMs: number;
  durationMs: number;
  fromPerSec: number;
  toPerSec: number;
}

export interface LoadPlan {
  model: 'closed' | 'open';
  durationMs: number;
  /** Closed model: stop after this many requests. */
  requests?: number;
  connections: number;
  pipelining: number;
  /** Open model: the timetable's segments, back to back from 0 to durationMs. */
  segments: RateSegment[];
  maxInFlight: number;
  maxConnections: number;
  /** 1 response in `validateEvery` is validated; 0 = off. */
  validateEvery: number;
  windowMs: number;
  warmupMs: number;
  workers: number;
  generator: {
    maxEventLoopP99Ms: number;
    maxCpuPct: number;
    maxOverloadedWindowsPct: number;
    minSentPct: number;
  };
  /** load.latency-drift: the last fifth's median over the first fifth's, and the absolute change. */
  drift: { maxFactor: number; minDeltaMs: number };
  /** load.no-errors: server errors and transport failures over requests may not exceed this. */
  maxErrorRate: number;
}

/** `--validate N` and `--workers N` win over the config. */
export function resolveLoadPlan(load: LoadConfig, options: EngineOptions): LoadPlan {
  const segments = timetableSegments(load);
  const durationMs =
    segments.length > 0 ? segments.reduce((sum, s) => sum + s.durationMs, 0) : load.durationSec * 1000;
  return {
    model: segments.length > 0 ? 'open' : 'closed',
    durationMs,
    ...(load.requests !== undefined ? { requests: load.requests } : {}),
    connections: load.connections,
    pipelining: load.pipelining,
    segments,
    maxInFlight: load.maxInFlight,
    maxConnections: load.maxConnections,
    validateEvery: options.validate ?? load.validate,
    windowMs: load.windowSec * 1000,
    warmupMs: load.warmupSec * 1000,
    workers: options.workers ?? load.workers,
    generator: {
      maxEventLoopP99Ms: load.generator?.maxEventLoopP99Ms ?? 50,
      maxCpuPct: load.generator?.maxCpuPct ?? 90,
      maxOverloadedWindowsPct: load.generator?.maxOverloadedWindowsPct ?? 10,
      minSentPct: 95,
    },
    drift: { maxFactor: 1.5, minDeltaMs: 20 },
    maxErrorRate: 0.001,
  };
}

/** k6's ramping-arrival-rate: start at ratePerSec (or 0) and move linearly to each stage's rate. */
function timetableSegments(load: LoadConfig): RateSegment[] {
  if (load.stages) {
    let from = load.ratePerSec ?? 0;
    let startMs = 0;
    return load.stages.map((stage) => {
      const segment = {
        startMs,
        durationMs: stage.durationSec * 1000,
        fromPerSec: from,
        toPerSec: stage.ratePerSec,
      };
      from = stage.ratePerSec;
      startMs += segment.durationMs;
      return segment;
    });
  }
  if (load.ratePerSec === undefined) return [];
  return [
    {
      startMs: 0,
      durationMs: load.durationSec * 1000,
      fromPerSec: load.ratePerSec,
      toPerSec: load.ratePerSec,
    },
  ];
}

/**
 * The open model's fixed timetable: request i (0-based) is due at `at(i)` ms after the start,
 * whatever happened to the requests before it, so a stalled target cannot slow the arrivals down
 * (coordinated omission). `null` once the timetable is over.
 */
export class Timetable {
  readonly #segments: readonly RateSegment[];
  /** Requests due before each segment starts. */
  readonly #before: number[] = [];
  readonly total: number;

  constructor(segments: readonly RateSegment[]) {
    this.#segments = segments;
    let count = 0;
    for (const s of segments) {
      this.#before.push(count);
      count += ((s.fromPerSec + s.toPerSec) / 2) * (s.durationMs / 1000);
    }
    this.total = Math.floor(count + 1e-9);
  }

  /** Requests due in [0, ms). */
  dueBy(ms: number): number {
    let count = 0;
    for (const s of this.#segments) {
      if (ms <= s.startMs) break;
      const t = Math.min(ms - s.startMs, s.durationMs) / 1000;
      const slope = (s.toPerSec - s.fromPerSec) / (s.durationMs / 1000);
      count += s.fromPerSec * t + (slope * t * t) / 2;
    }
    return Math.min(this.total, Math.ceil(count - 1e-9));
  }

  at(i: number): number | null {
    if (i >= this.total) return null;
    let index = this.#segments.length - 1;
    while (index > 0 && this.#before[index] > i) index -= 1;
    const s = this.#segments[index];
    const k = i - this.#before[index];
    const d = s.durationMs / 1000;
    const a = (s.toPerSec - s.fromPerSec) / (2 * d);
    const b = s.fromPerSec;
    // Solves a·t² + b·t = k for the time t (s) into the segment when the k-th request is due.
    const t = Math.abs(a) < 1e-12 ? k / b : (-b + Math.sqrt(Math.max(0, b * b + 4 * a * k))) / (2 * a);
    return s.startMs + Math.min(s.durationMs, t * 1000);
  }
}
