import type { ResolvedConfig } from './config/schema.ts';
import type { AuthProvider } from './http/auth.ts';
import type { HttpClient } from './http/client.ts';
import type { RunRecorder } from './run/recorder.ts';
import type { Redactor } from './run/redact.ts';
import type { StackHandle } from './stack/types.ts';

export type EngineName = 'contracts' | 'scenarios' | 'soak' | 'load';

/** Everything an engine gets from the runner. Engines record through `recorder` and never print. */
export interface EngineContext {
  readonly config: ResolvedConfig;
  /** Directory relative paths in the config resolve against. */
  readonly rootDir: string;
  readonly runDir: string;
  readonly stack: StackHandle;
  readonly recorder: RunRecorder;
  readonly redactor: Redactor;
  readonly auth: AuthProvider;
  /** A client on the target's base URL with its credentials. */
  readonly http: HttpClient;
  /**
   * Aborted on Ctrl-C (its `reason` says so): engines stop sending, judge what was gathered, record
   * `skip` with "interrupted" for what they could not judge, and return. Never a suite error.
   */
  readonly signal: AbortSignal;
  /**
   * Aborted when the target is lost mid-run (`target.exited` / `target.unreachable`, already recorded;
   * `reason` is the TargetLost). Soak and load watch it to stop early: a verdict judged on data that
   * stopped arriving must be `error`, never `pass`. The runner starts no further engine after it.
   */
  readonly targetLost: AbortSignal;
  /** Command-specific options, e.g. scenario names from `shakedown scenarios a b`. */
  readonly options: EngineOptions;
}

export interface EngineOptions {
  names?: readonly string[];
  workers?: number;
  /** `--validate N`: validate 1 load response in N against the spec (0 = off). */
  validate?: number;
}

export type Engine = (ctx: EngineContext) => Promise<void>;
