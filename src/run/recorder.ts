import type {
  CheckResult,
  IntervalRecord,
  MetricsSnapshot,
  RunEvent,
  RunSummary,
  SuiteKind,
  SuiteSummary,
  TargetInfo,
  TargetLost,
} from './model.ts';
import type { Redactor } from './redact.ts';
import type { Progress, Reporter } from './reporter.ts';
import { ReporterMultiplexer } from './reporter.ts';
import { EventLog, readEvents } from './run-dir.ts';
import { buildSummary } from './summary.ts';

export interface RecorderOptions {
  runId: string;
  runDir: string;
  command: string;
  profile: string;
  shakedownVersion: string;
  target: TargetInfo;
  redactor: Redactor;
  reporters: readonly Reporter[];
}

/**
 * The one way engines report what they observe: every call becomes an event appended to
 * `events.ndjson` (redacted) and is then handed to the reporters. Engines never format output.
 * Events are not kept in memory: a 2-hour soak's windows live in the file, and the summary is built
 * from it (at a suite's end and the run's), exactly as `shakedown report <runDir>` rebuilds it.
 */
export class RunRecorder {
  readonly runId: string;
  readonly runDir: string;
  readonly redactor: Redactor;
  readonly #log: EventLog;
  readonly #reporters: ReporterMultiplexer;
  readonly #options: RecorderOptions;
  #finished: RunSummary | null = null;

  constructor(options: RecorderOptions) {
    this.#options = options;
    this.runId = options.runId;
    this.runDir = options.runDir;
    this.redactor = options.redactor;
    this.#log = new EventLog(options.runDir, options.redactor);
    this.#reporters = new ReporterMultiplexer(options.reporters);
  }

  get reporterFailures() {
    return this.#reporters.failures;
  }

  async start(): Promise<void> {
    const { runId, profile, shakedownVersion, target, command, runDir } = this.#options;
    this.#record({ type: 'run-start', at: now(), runId, profile, shakedownVersion, target, command });
    await this.#reporters.emit('onRunStart', { runId, runDir, command, profile, target });
  }

  async suite(name: string, kind: SuiteKind): Promise<SuiteRecorder> {
    this.#record({ type: 'suite-start', at: now(), suite: name, kind });
    await this.#reporters.emit('onSuiteStart', { name, kind });
    return new SuiteRecorder(this, name);
  }

  async log(level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    const event = this.#record({ type: 'log', at: now(), level, message });
    if (event.type === 'log') await this.#reporters.emit('onLog', level, event.message);
  }

  /** The user interrupted the run (first Ctrl-C): recorded at once, so a later kill still says so. */
  async interrupted(reason: string): Promise<void> {
    this.#record({ type: 'run-interrupted', at: now(), reason });
    await this.#reporters.emit('onLog', 'warn', `interrupted: ${reason}`);
  }

  /** The target died or stopped answering without the harness asking it to. */
  targetLost(lost: TargetLost): void {
    const { kind, ...rest } = lost;
    const event = this.#record({ type: kind, at: now(), ...rest });
    const message = 'message' in event ? event.message : lost.message;
    const tail = lost.logTail ? `; its last output is in the report (summary.json targetLost.logTail)` : '';
    void this.#reporters.emit('onLog', 'error', `${kind}: ${message}${tail}`);
  }

  /** Ends the run: records `run-end`, builds the summary and lets every reporter write its file. */
  async finish(
    options: {
      error?: { code: string; message: string; exitCode: number };
      extra?: Record<string, unknown>;
      /** The target as the run used it, once the stack's URL is known. */
      target?: TargetInfo;
    } = {},
  ): Promise<RunSummary> {
    if (this.#finished) return this.#finished;
    this.#record({ type: 'run-end', at: now(), ...options });
    this.#log.close();
    const summary = this.#summary();
    this.#finished = summary;
    await this.#reporters.emit('onRunEnd', summary, this.runDir);
    return summary;
  }

  /** @internal used by SuiteRecorder */
  async recordCheck(suite: string, result: CheckResult): Promise<CheckResult> {
    const event = this.#record({ type: 'check', at: now(), suite, result });
    const safe = event.type === 'check' ? event.result : result;
    await this.#reporters.emit('onCheck', suite, safe);
    return safe;
  }

  /** @internal used by SuiteRecorder */
  async recordInterval(suite: string, interval: IntervalRecord): Promise<void> {
    const event = this.#record({ type: 'interval', at: now(), suite, interval });
    if (event.type === 'interval') await this.#reporters.emit('onInterval', suite, event.interval);
  }

  /** @internal used by SuiteRecorder */
  recordMetrics(suite: string, metrics: MetricsSnapshot): void {
    this.#record({ type: 'metrics', at: now(), suite, metrics });
  }

  /** @internal used by SuiteRecorder */
  async recordSuiteEnd(suite: string, durationMs: number, error?: string): Promise<void> {
    this.#record({
      type: 'suite-end',
      at: now(),
      suite,
      durationMs,
      ...(error ? { error: this.redactor.text(error) } : {}),
    });
    const summary: SuiteSummary | undefined = this.#summary().suites.find((s) => s.name === suite);
    if (summary) await this.#reporters.emit('onSuiteEnd', summary);
  }

  /** @internal used by SuiteRecorder */
  async progress(progress: Progress): Promise<void> {
    await this.#reporters.emit('onProgress', {
      ...progress,
      status: progress.status && this.redactor.text(progress.status),
    });
  }

  #record(event: RunEvent): RunEvent {
    return this.#log.append(event);
  }

  #summary(): RunSummary {
    return buildSummary(readEvents(this.runDir).events);
  }
}

export class SuiteRecorder {
  readonly name: string;
  readonly #run: RunRecorder;
  readonly #startedAt = performance.now();
  #ended = false;

  constructor(run: RunRecorder, name: string) {
    this.#run = run;
    this.name = name;
  }

  check(result: CheckResult): Promise<CheckResult> {
    return this.#run.recordCheck(this.name, result);
  }

  interval(interval: IntervalRecord): Promise<void> {
    return this.#run.recordInterval(this.name, interval);
  }

  /** Whole-suite metrics; may be called repeatedly (the last one counts), e.g. once at the end. */
  metrics(metrics: MetricsSnapshot): void {
    this.#run.recordMetrics(this.name, metrics);
  }

  progress(progress: Omit<Progress, 'suite'>): Promise<void> {
    return this.#run.progress({ ...progress, suite: this.name });
  }

  log(level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    return this.#run.log(level, `[${this.name}] ${message}`);
  }

  async end(error?: string): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#run.recordSuiteEnd(this.name, Math.round(performance.now() - this.#startedAt), error);
  }
}

function now(): string {
  return new Date().toISOString();
}
