import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from './config/resolve.ts';
import { assertLoadAllowed } from './config/safety.ts';
import type { EngineName, EngineOptions } from './engine-context.ts';
import { engines } from './engine-registry.ts';
import { ExitCode, type ExitCodeValue, type ShakedownError, toShakedownError } from './errors.ts';
import { createAuth } from './http/auth.ts';
import { HttpClient } from './http/client.ts';
import { assertComparable } from './report/baseline/compare.ts';
import type { LoadedBaseline } from './report/baseline/load.ts';
import { recordBaselineComparison } from './report/baseline/record.ts';
import { createReporters } from './report/reporters/index.ts';
import type { RunSummary, TargetInfo } from './run/model.ts';
import { RunRecorder } from './run/recorder.ts';
import { Redactor } from './run/redact.ts';
import type { Reporter } from './run/reporter.ts';
import { createRunDir, newRunId } from './run/run-dir.ts';
import { startStack } from './stack/index.ts';
import { reapOrphans } from './stack/orphans.ts';
import type { StackHandle } from './stack/types.ts';

export const SHAKEDOWN_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export interface RunOptions {
  loaded: LoadedConfig;
  /** The command as typed (`run`, `scenarios`), recorded in the run. */
  command: string;
  /** Engines to run, in order. */
  engines: readonly EngineName[];
  engineOptions?: EngineOptions;
  quiet?: boolean;
  /** Console: warnings and skips one per line instead of grouped by check id. */
  verbose?: boolean;
  /** Replaces the reporters named in the config (tests, embedding). */
  reporters?: Reporter[];
  /** Aborting it interrupts the run; its `reason` (a string) is recorded as why. */
  signal?: AbortSignal;
  /** Called with the run directory as soon as it exists (the CLI prints it if it must exit at once). */
  onRunDir?: (runDir: string) => void;
  /** `--baseline`: compared after the engines; another profile or target is refused unless `force`. */
  baseline?: { loaded: LoadedBaseline; force: boolean };
}

export interface RunOutcome {
  summary: RunSummary;
  runDir: string;
  exitCode: ExitCodeValue;
}

/** Engines whose traffic is load: they refuse non-loopback targets unless explicitly allowed. */
const LOAD_ENGINES: ReadonlySet<EngineName> = new Set(['soak', 'load']);

/**
 * One run: config → stack → engines → events → reporters. Every outcome, including a stack that never
 * came up, ends as a run directory with a summary and an exit code from the documented table.
 */
export async function runShakedown(options: RunOptions): Promise<RunOutcome> {
  const { config } = options.loaded;
  // Whether a scenario sends bursts is part of its definition, whatever its file is called.
  const bursts = await burstScenarios(options);
  // The safety rule comes first: nothing, not even a reachability probe, goes to an unlisted host.
  if (config.stack.kind === 'url' && config.target.baseUrl)
    assertTrafficAllowed(options, config.target.baseUrl, bursts);

  const target: TargetInfo = {
    baseUrl: config.target.baseUrl ?? `(${config.stack.kind} stack)`,
    stack: config.stack.kind,
  };
  // Refused before anything runs: a mismatch found after a 15-minute soak would waste the night.
  const mismatches = options.baseline
    ? assertComparable({ profile: config.profile, target }, options.baseline.loaded, options.baseline.force)
    : [];

  const redactor = redactorFor(options.loaded);
  const runId = newRunId();
  const runDir = createRunDir(path.resolve(options.loaded.rootDir, config.out), runId);
  const recorder = new RunRecorder({
    runId,
    runDir,
    command: options.command,
    profile: config.profile,
    shakedownVersion: SHAKEDOWN_VERSION,
    target,
    redactor,
    reporters:
      options.reporters ??
      createReporters(config.reporters, {
        quiet: options.quiet ?? false,
        verbose: options.verbose ?? false,
      }),
  });
  await recorder.start();
  options.onRunDir?.(runDir);
  const signal = options.signal ?? new AbortController().signal;
  const onInterrupt = () => void recordInterruption(recorder, signal);
  if (signal.aborted) onInterrupt();
  else signal.addEventListener('abort', onInterrupt, { once: true });
  for (const line of reapOrphans(path.dirname(runDir)))
    await recorder.log('warn', `killed ${line}: its harness had died without stopping it`);

  let stack: StackHandle | null = null;
  let http: HttpClient | null = null;
  let runError: ShakedownError | undefined;
  let unwatch = () => {};
  const lost = new AbortController();
  const auth = createAuth(config.target.auth, redactor);
  try {
    stack = await startStack({
      loaded: options.loaded,
      redactor,
      logDir: runDir,
      notify: (level, message) => void recorder.log(level, message),
    });
    assertTrafficAllowed(options, stack.baseUrl, bursts);
    unwatch =
      stack.onLost?.((targetLost) => {
        if (lost.signal.aborted || signal.aborted) return;
        recorder.targetLost(targetLost);
        lost.abort(targetLost);
      }) ?? unwatch;
    http = new HttpClient({ baseUrl: stack.baseUrl, redactor, auth });
    for (const name of options.engines) {
      if (signal.aborted || lost.signal.aborted) continue;
      const engine = await engines[name]();
      await engine({
        config,
        rootDir: options.loaded.rootDir,
        runDir,
        stack,
        recorder,
        redactor,
        auth,
        http,
        signal,
        targetLost: lost.signal,
        options: options.engineOptions ?? {},
      });
    }
  } catch (error) {
    runError = toShakedownError(error);
  } finally {
    unwatch();
    signal.removeEventListener('abort', onInterrupt);
    await http?.close();
    await stack
      ?.stop()
      .catch((error) => recorder.log('error', `stopping the stack failed: ${(error as Error).message}`));
  }

  const baseline = options.baseline
    ? await recordBaselineComparison(recorder, options.baseline.loaded, config.baseline, mismatches)
    : undefined;
  const summary = await recorder.finish({
    // summary.json names the URL the run used, not `(local stack)`.
    ...(stack && stack.baseUrl !== target.baseUrl ? { target: { ...target, baseUrl: stack.baseUrl } } : {}),
    ...(runError
      ? { error: { code: runError.code, message: runError.message, exitCode: runError.exitCode } }
      : {}),
    ...(baseline ? { extra: { baseline } } : {}),
  });
  for (const failure of recorder.reporterFailures) {
    process.stderr.write(`reporter ${failure.reporter} failed in ${failure.hook}: ${failure.message}\n`);
  }
  return { summary, runDir, exitCode: exitCodeFor(summary) };
}

export function exitCodeFor(summary: RunSummary): ExitCodeValue {
  if (summary.error) return summary.error.exitCode as ExitCodeValue;
  // Older summaries have no status; their `incomplete` flag meant the same.
  if ((summary.status?.state ?? (summary.incomplete ? 'incomplete' : 'complete')) !== 'complete')
    return ExitCode.Incomplete;
  return summary.verdict === 'pass' ? ExitCode.Pass : ExitCode.Failed;
}

/** Secrets the run knows up front; tokens minted later are added as they are made. */
export function redactorFor(loaded: LoadedConfig): Redactor {
  const { config } = loaded;
  const redactor = new Redactor({ values: Object.values(config.secrets) });
  if (config.target.auth?.type === 'header') redactor.addName(config.target.auth.name);
  if (config.target.auth) {
    const value = config.target.auth.type === 'bearer' ? config.target.auth.token : config.target.auth.value;
    if (typeof value === 'string') redactor.addSecret(value);
  }
  if (config.stack.kind === 'local') {
    for (const [name, value] of Object.entries(config.stack.env))
      if (/secret|token|password|key/i.test(name)) redactor.addSecret(value);
  }
  return redactor;
}

function assertTrafficAllowed(options: RunOptions, baseUrl: string, burstScenarios: readonly string[]): void {
  const { config } = options.loaded;
  for (const name of options.engines) {
    if (LOAD_ENGINES.has(name) && config[name].enabled !== false)
      assertLoadAllowed(baseUrl, config.target.loadAllowedHosts, name);
  }
  // Scenarios that declare `sendsBursts` (the built-in rate-limit and replicas do) count as load too.
  if (burstScenarios.length > 0) {
    assertLoadAllowed(
      baseUrl,
      config.target.loadAllowedHosts,
      `burst (scenario ${burstScenarios.map((n) => `'${n}'`).join(', ')})`,
    );
  }
}

/**
 * The scenarios of this run that declare `sendsBursts`. A scenario that cannot be loaded is left to
 * the scenarios engine, which reports it (exit 2) before it sends anything.
 */
async function burstScenarios(options: RunOptions): Promise<string[]> {
  const { config, rootDir } = options.loaded;
  if (!options.engines.includes('scenarios') || !config.scenarios.enabled) return [];
  const names = options.engineOptions?.names?.length ? options.engineOptions.names : config.scenarios.only;
  try {
    const { sendsBursts } = await import('./scenario/engine.ts');
    return await sendsBursts(path.resolve(rootDir, config.scenarios.dir), names);
  } catch {
    return [];
  }
}

async function recordInterruption(recorder: RunRecorder, signal: AbortSignal): Promise<void> {
  const reason = typeof signal.reason === 'string' ? signal.reason : 'interrupted';
  await recorder.interrupted(reason);
}
