/**
 * The results model. Engines produce these values as events; reporters read them. Check ids, verdict
 * names and the summary's field names are a public contract (reports, JUnit, baselines).
 */

export type CheckVerdict = 'pass' | 'fail' | 'warn' | 'skip';
export type RunVerdict = 'pass' | 'fail' | 'error';
export type SuiteKind = 'contracts' | 'scenario' | 'soak' | 'load' | 'baseline';

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
  /** Whole-suite metrics (soak/load), the last snapshot recorded; what baselines compare. */
  metrics?: MetricsSnapshot;
}

/** Percentiles of one fixed-size histogram (values in the metric's unit, e.g. ms). */
export interface HistogramSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** The HDR histogram itself, base64-encoded, so windows can be merged later. */
  hdr?: string;
}

/**
 * The shape of metrics everywhere (a window, a whole suite). Names are k6-style, snake_case with the
 * unit last: `event_rtt_ms`, `server_rss_bytes`. Window counters are deltas within the window.
 */
export interface MetricsSnapshot {
  histograms: Record<string, HistogramSummary>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  /** Ratios in [0, 1], e.g. `events_lost_rate`. */
  rates?: Record<string, number>;
}

export interface IntervalRecord {
  /** Milliseconds since the suite started. */
  startMs: number;
  endMs: number;
  metrics: MetricsSnapshot;
}

export interface TargetInfo {
  baseUrl: string;
  stack: 'local' | 'compose' | 'url';
}

/**
 * Whether the run was whole. Only a `complete` run can pass: `interrupted` (Ctrl-C, SIGTERM),
 * `incomplete` (no end recorded: the harness was killed), `aborted` (the target was lost, or the run
 * stopped on an error before its engines finished).
 */
export type RunState = 'complete' | 'interrupted' | 'incomplete' | 'aborted';

export interface RunStatus {
  state: RunState;
  /** Why the run is not complete, in words a CI log can show. */
  reason?: string;
}

/** How the target was lost mid-run (`target.exited` for a local process, `target.unreachable` otherwise). */
export interface TargetLost {
  kind: 'target.exited' | 'target.unreachable';
  /** One line: "target exited with signal SIGKILL at 0:11". */
  message: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The target's last output lines (local stack). */
  logTail?: string;
  /** Consecutive failed probes (url, compose). */
  failedProbes?: number;
}

export interface RunSummary {
  schemaVersion: 1;
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  /** Kept for older readers: true exactly when `status.state` is not `complete`. */
  incomplete: boolean;
  status: RunStatus;
  profile: string;
  shakedownVersion: string;
  target: TargetInfo;
  verdict: RunVerdict;
  /** The target died or stopped answering mid-run (the first time it did). */
  targetLost?: TargetLost;
  /** Why the run itself errored (stack unavailable, internal error), when it did. */
  error?: { code: string; message: string; exitCode: number };
  counts: Record<CheckVerdict, number>;
  suites: SuiteSummary[];
  /** Filled in by the baseline comparison when one was asked for. */
  baseline?: BaselineComparison;
}

/** When a number counts as worse than the baseline's (config `baseline`). */
export interface BaselineTolerances {
  /** Histogram percentiles that can regress, e.g. `['p95', 'p99']`. */
  percentiles: ('p50' | 'p90' | 'p95' | 'p99')[];
  /** A percentile regresses when worse by more than this many percent… */
  latencyPct: number;
  /** …and, for `_ms` histograms, by more than this many milliseconds. */
  latencyMs: number;
  /** A rate regresses when worse by more than this many percentage points. */
  ratePctPoints: number;
}

/** One check whose verdict moved (or did not) between the baseline and this run. */
export interface CheckChange {
  suite: string;
  id: string;
  title: string;
  verdict: CheckVerdict | null;
  baselineVerdict: CheckVerdict | null;
  message: string;
}

/** One whole-suite number compared with the baseline's. */
export interface MetricDelta {
  suite: string;
  metric: string;
  /** A histogram percentile (`p95`) or `rate`. */
  stat: string;
  /** `ms`, `bytes`, `%` (rates, as percent), or '' when the name carries no unit. */
  unit: string;
  baseline: number;
  current: number;
  delta: number;
  /** Relative change in percent; null when the baseline is 0. */
  deltaPct: number | null;
  status: 'regression' | 'improvement' | 'within-tolerance' | 'not-gated';
}

/** summary.json's `baseline` section: this run against an earlier one. */
export interface BaselineComparison {
  baseline: {
    /** The path given to --baseline. */
    source: string;
    runId: string;
    startedAt: string;
    profile: string;
    target: TargetInfo;
    incomplete: boolean;
  };
  /** Why the runs are not like for like (profile, target); non-empty only with --force. */
  mismatches: string[];
  tolerances: BaselineTolerances;
  counts: {
    newFailures: number;
    fixed: number;
    stillFailing: number;
    regressions: number;
    improvements: number;
  };
  checks: {
    /** Checks present in both runs. */
    compared: number;
    /** In this run only. */
    added: number;
    /** In the baseline only. */
    missing: number;
    newFailures: CheckChange[];
    fixed: CheckChange[];
    stillFailing: CheckChange[];
  };
  metrics: MetricDelta[];
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
  | { type: 'metrics'; at: string; suite: string; metrics: MetricsSnapshot }
  | { type: 'suite-end'; at: string; suite: string; durationMs: number; error?: string }
  | { type: 'log'; at: string; level: 'info' | 'warn' | 'error'; message: string }
  /** Recorded the moment the user interrupts (first Ctrl-C), so even a run killed after it says why. */
  | { type: 'run-interrupted'; at: string; reason: string }
  | ({ type: 'target.exited' | 'target.unreachable'; at: string } & Omit<TargetLost, 'kind'>)
  | {
      type: 'run-end';
      at: string;
      /** The target as the run used it: the started stack's URL instead of `(local stack)`. */
      target?: TargetInfo;
      error?: { code: string; message: string; exitCode: number };
      /** Extra sections engines attach to the summary, such as `baseline`. */
      extra?: Record<string, unknown>;
    };

export type RunEventType = RunEvent['type'];
