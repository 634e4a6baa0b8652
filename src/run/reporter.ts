import type {
  CheckResult,
  IntervalRecord,
  RunSummary,
  SuiteKind,
  SuiteSummary,
  TargetInfo,
} from './model.ts';

export interface RunInfo {
  readonly runId: string;
  readonly runDir: string;
  readonly command: string;
  readonly profile: string;
  readonly target: TargetInfo;
}

/** Live progress of timed work (a soak, a load test); never persisted. */
export interface Progress {
  readonly suite: string;
  readonly elapsedMs: number;
  readonly totalMs?: number;
  /** A one-line status, e.g. `sessions 200 · 400 ev/s · p95 12 ms`. */
  readonly status?: string;
}

/**
 * A reporter reads results and never talks to the target. Every hook is optional and may be async;
 * one that throws is recorded and the run goes on.
 */
export interface Reporter {
  readonly name: string;
  onRunStart?(run: RunInfo): void | Promise<void>;
  onSuiteStart?(suite: { name: string; kind: SuiteKind }): void | Promise<void>;
  onCheck?(suite: string, result: Readonly<CheckResult>): void | Promise<void>;
  onInterval?(suite: string, interval: Readonly<IntervalRecord>): void | Promise<void>;
  onProgress?(progress: Progress): void | Promise<void>;
  onLog?(level: 'info' | 'warn' | 'error', message: string): void | Promise<void>;
  onSuiteEnd?(suite: Readonly<SuiteSummary>): void | Promise<void>;
  /** Called with the final summary; file reporters write their output here. */
  onRunEnd?(summary: Readonly<RunSummary>, runDir: string): void | Promise<void>;
}

export interface ReporterFailure {
  reporter: string;
  hook: string;
  message: string;
}

type HookName = Exclude<keyof Reporter, 'name'>;

/** Fans every hook out to all reporters in order; a throwing reporter is recorded, not fatal. */
export class ReporterMultiplexer {
  readonly failures: ReporterFailure[] = [];
  readonly #reporters: readonly Reporter[];

  constructor(reporters: readonly Reporter[]) {
    this.#reporters = reporters;
  }

  async emit<H extends HookName>(hook: H, ...args: Parameters<NonNullable<Reporter[H]>>): Promise<void> {
    for (const reporter of this.#reporters) {
      const fn = reporter[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) continue;
      try {
        await fn.apply(reporter, args);
      } catch (error) {
        this.failures.push({
          reporter: reporter.name,
          hook,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}

/** The reporters a config or `--reporter` may name; `src/report/reporters/index.ts` builds them. */
export const REPORTER_NAMES = ['console', 'json', 'junit', 'html'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];
