/**
 * The results model. Engines produce these values as events; reporters read them. Check ids, verdict
 * names and the summary's field names are a public contract (reports, JUnit, baselines).
 */

export type CheckVerdict = 'pass' | 'fail' | 'warn' | 'skip';
export type RunVerdict = 'pass' | 'fail' | 'error';
export type SuiteKind = 'contracts' | 'scenario' | 'soak' | 'load';

export interface RecordedRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordedResponse {
  status: number;
  headers?: Record<string, string>;
  /** Body excerpt, capped at {@link BODY_EXCERPT_BYTES}. */
  body?: string;
  bodyTruncated?: boolean;
}

export interface Evidence {
  request?: RecordedRequest;
  response?: RecordedResponse;
  /** A shell command that reproduces the failing request; secrets appear as `$SHAKEDOWN_*` variables. */
  curl?: string;
  timings?: Record<string, number>;
  /** Validation or assertion errors, one readable line each. */
  errors?: string[];
  /** Anything else an engine wants to show (observed values, samples, counts). */
  [key: string]: unknown;
}

export interface CheckResult {
  /** Stable, dotted, lower-case id, e.g. `rate-limit.retry-after`. */
  id: string;
  title: string;
  verdict: CheckVerdict;
  message: string;
  evidence?: Evidence;
  durationMs?: number;
}

export interface SuiteSummary {
  kind: SuiteKind;
  name: string;
  verdict: RunVerdict;
  durationMs: number;
  /** Set when the suite stopped on an error rather than a verdict. */
  error?: string;
  /** False when the run ended before the suite did. */
  completed: boolean;
  checks: CheckResult[];
  /** Metric windows (soak/load), in order. */
  intervals: IntervalRecord[];
}

export interface IntervalRecord {
  startMs: number;
  endMs: number;
  metrics: Record<string, unknown>;
}

export interface TargetInfo {
  baseUrl: string;
  stack: 'local' | 'compose' | 'url';
}

export interface RunSummary {
  schemaVersion: 1;
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  incomplete: boolean;
  profile: string;
  shakedownVersion: string;
  target: TargetInfo;
  verdict: RunVerdict;
  /** Why the run itself errored (stack unavailable, internal error), when it did. */
  error?: { code: string; message: string; exitCode: number };
  counts: Record<CheckVerdict, number>;
  suites: SuiteSummary[];
  /** Filled in by the baseline comparison when one was asked for. */
  baseline?: Record<string, unknown>;
}

export const BODY_EXCERPT_BYTES = 64 * 1024;

/** The events in `events.ndjson`, one per line, in the order they happened. */
export type RunEvent =
  | {
      type: 'run-start';
      at: string;
      runId: string;
      profile: string;
      shakedownVersion: string;
      target: TargetInfo;
      command: string;
    }
  | { type: 'suite-start'; at: string; suite: string; kind: SuiteKind }
  | { type: 'check'; at: string; suite: string; result: CheckResult }
  | { type: 'interval'; at: string; suite: string; interval: IntervalRecord }
  | { type: 'suite-end'; at: string; suite: string; durationMs: number; error?: string }
  | { type: 'log'; at: string; level: 'info' | 'warn' | 'error'; message: string }
  | {
      type: 'run-end';
      at: string;
      error?: { code: string; message: string; exitCode: number };
      /** Extra sections engines attach to the summary, such as `baseline`. */
      extra?: Record<string, unknown>;
    };

export type RunEventType = RunEvent['type'];
