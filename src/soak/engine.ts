import { randomInt } from 'node:crypto';
import path from 'node:path';
import { assertLoadAllowed } from '../config/safety.ts';
import type { Engine, EngineContext } from '../engine-context.ts';
import { ShakedownError } from '../errors.ts';
import { MergedWindow, RunTotals } from '../metrics/aggregate.ts';
import { RunClock } from '../metrics/run-clock.ts';
import { clock, unlessDataStopped } from '../metrics/stopped-data.ts';
import { compileThresholds, mergeThresholds, type ThresholdSpec } from '../metrics/threshold-set.ts';
import type { TargetLost } from '../run/model.ts';
import type { SuiteRecorder } from '../run/recorder.ts';
import { threadMemoryGauges } from './generator-monitor.ts';
import { usableLoopbackSources } from './loopback-sources.ts';
import { resolvePlan, type SoakPlan } from './plan.ts';
import { combineLive, statusLine } from './progress.ts';
import { type LiveStats, SUMMED_GAUGES, type WorkerInit } from './protocol.ts';
import { type LoadedSoakScript, loadSoakScript } from './script.ts';
import {
  createResourceSampler,
  type ResourceSample,
  type ResourceSampler,
  serverGauges,
} from './server-resources.ts';
import { ThresholdTracker } from './threshold-tracker.ts';
import { JUDGED_OVER_TIME, SoakJudge } from './verdicts/index.ts';
import { WorkerPool } from './worker-pool.ts';

/**
 * Self-test hook: `SHAKEDOWN_SOAK_STARVE_MS=N` makes every soak worker busy-loop N ms at a time with
 * little rest in between, so the harness's own tests can prove that an overloaded generator turns the
 * run into an error instead of a pass. Not for real runs.
 */
export const STARVE_ENV = 'SHAKEDOWN_SOAK_STARVE_MS';
const TICK_MS = 1_000;
/** Checks judged on a time series: with the target gone, their data stopped. */
const STOPPED_DATA = JUDGED_OVER_TIME;

/** The soak engine: sessions in worker threads, windows recorded as they close, verdicts at the end. */
export const soakEngine: Engine = async (ctx) => {
  const { config } = ctx;
  if (!config.soak.enabled) {
    await ctx.recorder.log('info', 'soak: disabled in the config (soak.enabled: false); skipped.');
    return;
  }
  const script = await loadSoakScript(path.resolve(ctx.rootDir, config.soak.script));
  const plan = resolvePlan(script.options, config.soak, ctx.options.workers);
  const thresholds = mergeThresholds(
    compileOrThrow(
      () => compileThresholds(script.options.thresholds ?? {}, 'script'),
      'SHK_SCRIPT_INVALID',
      `soak script ${script.file}`,
    ),
    compileOrThrow(() => compileThresholds(config.thresholds, 'config'), 'SHK_CONFIG_INVALID', 'the config'),
  );
  const socketUrl = config.target.socketUrl ?? ctx.stack.baseUrl;
  assertLoadAllowed(socketUrl, config.target.loadAllowedHosts, 'soak');
  const sources = await usableLoopbackSources(plan.loopbackSources, ctx.stack.baseUrl);
  const suite = await ctx.recorder.suite(script.name, 'soak');
  if (sources.note) await suite.log('warn', sources.note);
  try {
    const run = new SoakRun(
      ctx,
      suite,
      script,
      { ...plan, loopbackSources: sources.count },
      thresholds,
      socketUrl,
    );
    await run.execute();
  } catch (error) {
    await suite.end(
      `the soak stopped on an error: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  }
};

function compileOrThrow(
  compile: () => ThresholdSpec[],
  code: 'SHK_SCRIPT_INVALID' | 'SHK_CONFIG_INVALID',
  where: string,
): ThresholdSpec[] {
  try {
    return compile();
  } catch (error) {
    if (!(error instanceof AggregateError)) throw error;
    throw new ShakedownError(code, `${where} has invalid thresholds:\n${error.message}`);
  }
}

class SoakRun {
  readonly #ctx: EngineContext;
  readonly #suite: SuiteRecorder;
  readonly #script: LoadedSoakScript;
  readonly #plan: SoakPlan;
  readonly #socketUrl: string;
  readonly #thresholds: ThresholdTracker;
  readonly #judge: SoakJudge;
  readonly #totals = new RunTotals();
  readonly #lives = new Map<number, LiveStats>();
  #sampler: ResourceSampler | null = null;
  #sampling = false;
  #latestSample: ResourceSample | null = null;
  #pool: WorkerPool | null = null;
  readonly #clock = new RunClock();
  #windowId = 0;
  #stopReason: string | null = null;
  #lost: { atMs: number; message: string } | null = null;
  #stoppedAtMs = 0;
  #abortedBy: ThresholdSpec | null = null;
  #lastAcked = { count: 0, atMs: 0 };

  constructor(
    ctx: EngineContext,
    suite: SuiteRecorder,
    script: LoadedSoakScript,
    plan: SoakPlan,
    thresholds: ThresholdSpec[],
    socketUrl: string,
  ) {
    this.#ctx = ctx;
    this.#suite = suite;
    this.#script = script;
    this.#plan = plan;
    this.#socketUrl = socketUrl;
    this.#thresholds = new ThresholdTracker(thresholds, plan.windowMs);
    this.#judge = new SoakJudge(plan);
  }

  async execute(): Promise<void> {
    const ctx = this.#ctx;
    this.#sampler = await createResourceSampler(ctx.http, ctx.stack, ctx.config.soak.metricsPath);
    this.#judge.setResourceSource(this.#sampler.source, this.#sampler.origin, this.#sampler.replicas);
    await this.#suite.log('info', this.#describe());
    this.#pool = await WorkerPool.start(await this.#workerInits(), {
      onLive: (index, live) => this.#lives.set(index, live),
      onLog: (level, message) => void this.#suite.log(level, message),
      onAuthRefresh: async () => {
        ctx.auth.refresh();
        return ctx.auth.headers();
      },
    });
    const onAbort = () => this.#stop('interrupted');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();
    const onLost = () => {
      const lost = ctx.targetLost.reason as TargetLost | undefined;
      this.#lost = { atMs: this.#clock.elapsedMs(), message: lost?.message ?? 'the target was lost' };
      this.#stop(`target lost: ${this.#lost.message}`);
    };
    ctx.targetLost.addEventListener('abort', onLost, { once: true });
    if (ctx.targetLost.aborted) onLost();
    const ticker = setInterval(() => void this.#tick(), TICK_MS);
    try {
      this.#pool.begin(this.#clock.start());
      const lastEndMs = await this.#runWindows();
      // Sessions get time to drain their acks and end themselves before they are cut off; a dead
      // target will ack nothing, so then they are cut off at once.
      await this.#pool.stop(this.#lost ? 1_000 : 2 * this.#plan.ackTimeoutMs + 2_000);
      await this.#closeWindow(lastEndMs, this.#clock.elapsedMs(), true);
    } finally {
      clearInterval(ticker);
      ctx.signal.removeEventListener('abort', onAbort);
      ctx.targetLost.removeEventListener('abort', onLost);
      await this.#pool.terminate();
    }
    await this.#finish();
  }

  /** Closes windows on the plan's boundaries until the duration is up or the run is stopped. */
  async #runWindows(): Promise<number> {
    const { windowMs, durationMs } = this.#plan;
    let startMs = 0;
    while (startMs < durationMs) {
      const endMs = Math.min(startMs + windowMs, durationMs);
      if (!this.#stopReason) await this.#clock.sleepUntil(endMs);
      if (this.#stopReason) {
        // The part of a window before the stop is judged like any other, unless it is too short to
        // mean anything; then it goes into the drain window.
        const stoppedAt = Math.min(this.#clock.elapsedMs(), endMs);
        if (stoppedAt - startMs < Math.min(1_000, windowMs / 2)) return startMs;
        await this.#closeWindow(startMs, stoppedAt);
        return stoppedAt;
      }
      await this.#closeWindow(startMs, endMs);
      startMs = endMs;
    }
    return durationMs;
  }

  async #closeWindow(startMs: number, endMs: number, drain = false): Promise<void> {
    const raws = await this.#pool!.window(this.#windowId++, Math.max(this.#plan.windowMs, 10_000));
    const window = MergedWindow.merge(startMs, endMs, raws, (name) =>
      SUMMED_GAUGES.has(name) ? 'sum' : 'max',
    );
    window.addRate(
      'events_lost_rate',
      window.counter('events_lost') ?? 0,
      window.counter('events_sent') ?? 0,
    );
    this.#addServerGauges(window);
    window.gauges.set('generator_rss_bytes', process.memoryUsage.rss());
    // The workers' isolates were summed by the merge; the main thread's (recorder, verdicts) adds to them.
    for (const [name, bytes] of Object.entries(threadMemoryGauges()))
      window.gauges.set(name, (window.gauges.get(name) ?? 0) + bytes);
    const phase = this.#judge.phase(startMs, endMs, drain);
    this.#totals.add(window, phase.afterWarmup);
    this.#judge.addWindow(window, phase);
    await this.#suite.interval({ startMs, endMs, metrics: window.snapshot() });
    if (!phase.afterWarmup || phase.drain) return;
    const broken = [
      ...this.#thresholds.addWindow(window, endMs),
      ...this.#thresholds.brokenSoFar(this.#totals, endMs),
    ];
    if (broken.length > 0 && !this.#stopReason) {
      this.#abortedBy = broken[0];
      this.#stop(`threshold ${broken[0].metric}: ${broken[0].expression.source} failed (abortOnFail)`);
    }
  }

  #addServerGauges(window: MergedWindow): void {
    // A sample from before this window would repeat a stale value: a gap is the truth.
    if (!this.#latestSample || this.#latestSample.atMs < window.startMs) return;
    for (const [name, value] of serverGauges(this.#latestSample)) window.gauges.set(name, value);
  }

  async #finish(): Promise<void> {
    const plan = this.#plan;
    if (this.#stopReason) {
      await this.#suite.log(
        'warn',
        `the soak stopped early at ${Math.round(this.#stoppedAtMs / 1000)} s of ${plan.durationMs / 1000} s (${this.#stopReason}); the verdicts cover what ran.`,
      );
    }
    this.#suite.metrics(this.#totals.snapshot());
    for (const result of this.#thresholds.results(this.#totals, this.#abortedBy))
      await this.#suite.check(unlessDataStopped(result, this.#lost, STOPPED_DATA));
    for (const result of this.#judge.checks(this.#totals))
      await this.#suite.check(unlessDataStopped(result, this.#lost, STOPPED_DATA));
    const failure = this.#pool?.failure;
    if (this.#lost) await this.#suite.end(`target lost at ${clock(this.#lost.atMs)}: ${this.#lost.message}`);
    else if (failure) await this.#suite.end(failure);
    else if (this.#judge.overloaded) await this.#suite.end('generator overloaded: results not trustworthy');
    else await this.#suite.end();
  }

  /** Once a second: a server resource sample and the live status line. */
  async #tick(): Promise<void> {
    const elapsedMs = this.#clock.elapsedMs();
    if (this.#pool?.failure) this.#stop(this.#pool.failure);
    if (!this.#sampling && this.#sampler) {
      this.#sampling = true;
      const sample = await this.#sampler.sample(elapsedMs).catch(() => null);
      this.#sampling = false;
      // A failed scrape is a gap, never the previous value again.
      this.#latestSample = sample;
      if (sample) this.#judge.addResourceSample(sample);
    }
    const live = combineLive(this.#lives.values());
    const dtSec = (elapsedMs - this.#lastAcked.atMs) / 1000;
    const rate = dtSec > 0 ? (live.acked - this.#lastAcked.count) / dtSec : 0;
    this.#lastAcked = { count: live.acked, atMs: elapsedMs };
    await this.#suite.progress({
      elapsedMs,
      totalMs: this.#plan.durationMs,
      status: statusLine(live, rate, this.#latestSample),
    });
  }

  #stop(reason: string): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#stoppedAtMs = this.#clock.elapsedMs();
    this.#clock.wake();
  }

  async #workerInits(): Promise<WorkerInit[]> {
    const ctx = this.#ctx;
    const plan = this.#plan;
    const authHeaders = await ctx.auth.headers();
    const starveMs = Number(process.env[STARVE_ENV] ?? 0) || 0;
    const sourceOffset = randomInt(0, 254 * 256 - plan.loopbackSources);
    return Array.from({ length: plan.workers }, (_, workerIndex) => ({
      workerIndex,
      scriptFile: this.#script.file,
      plan,
      slots: Array.from({ length: plan.sessions }, (_, slot) => slot).filter(
        (slot) => slot % plan.workers === workerIndex,
      ),
      baseUrl: ctx.stack.baseUrl,
      socketUrl: this.#socketUrl,
      secrets: { ...ctx.config.secrets },
      authHeaders,
      sourceOffset,
      starveMs,
    }));
  }

  #describe(): string {
    const p = this.#plan;
    const sampler = this.#sampler!;
    let resources = `server resources from ${sampler.origin}`;
    if (sampler.source === 'none') resources = 'no server resource source (memory-leak check skipped)';
    else if (sampler.replicas.length > 0)
      resources = `server resources from each replica: ${sampler.replicas.map((r) => `${r.service} ${r.origin}`).join(', ')}`;
    return `${p.sessions} sessions × ${p.eventsPerSec} events/s for ${p.durationMs / 1000} s (ramp-up ${p.rampUpMs / 1000} s, warm-up ${p.warmupMs / 1000} s, ramp-down ${p.rampDownMs / 1000} s, ${p.windowMs / 1000} s windows, session lifetime ${p.sessionLifetimeMs / 1000} s) on ${p.workers} worker thread${p.workers === 1 ? '' : 's'}${p.loopbackSources > 0 ? `, HTTP from ${p.loopbackSources} loopback source addresses` : ''}; ${resources}.`;
  }
}
