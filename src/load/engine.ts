import path from 'node:path';
import { assertLoadAllowed } from '../config/safety.ts';
import type { Engine, EngineContext } from '../engine-context.ts';
import { ShakedownError } from '../errors.ts';
import { MergedWindow, RunTotals } from '../metrics/aggregate.ts';
import { RunClock } from '../metrics/run-clock.ts';
import { clock, type DataStop, unlessDataStopped } from '../metrics/stopped-data.ts';
import { compileThresholds, mergeThresholds, type ThresholdSpec } from '../metrics/threshold-set.ts';
import { type ApiSpec, loadSpec } from '../openapi/load.ts';
import type { TargetLost } from '../run/model.ts';
import type { SuiteRecorder } from '../run/recorder.ts';
import {
  createResourceSampler,
  type ResourceSample,
  type ResourceSampler,
  serverGauges,
} from '../soak/server-resources.ts';
import { ThresholdTracker } from '../soak/threshold-tracker.ts';
import { ConformanceSampler, contractConformanceCheck } from './conformance.ts';
import { type RequestMix, resolveRequestMix } from './mix.ts';
import { type LoadPlan, resolveLoadPlan, Timetable } from './plan.ts';
import { type LoadLive, type LoadWorkerInit, SUMMED_LOAD_GAUGES } from './protocol.ts';
import { LoadJudge, latencyDriftCheck, thresholdsCheck } from './verdicts.ts';
import { LoadWorkerPool } from './worker-pool.ts';

/**
 * Self-test hook: `SHAKEDOWN_LOAD_STARVE_MS=N` makes every load worker busy-loop N ms at a time, so the
 * harness's own tests can prove that an overloaded generator fails its generator-health check.
 */
export const LOAD_STARVE_ENV = 'SHAKEDOWN_LOAD_STARVE_MS';
const TICK_MS = 1_000;
/** Checks judged on a time series: with the target gone, their data stopped. */
const STOPPED_DATA = [latencyDriftCheck, thresholdsCheck];
/** How long the workers get to finish after the timetable ends (in-flight requests, then cut off). */
const FINISH_TIMEOUT_MS = 15_000;

/** `shakedown load`: HTTP load in worker threads, windows recorded as they close, verdicts at the end. */
export const loadEngine: Engine = async (ctx) => {
  const { config } = ctx;
  if (!config.load.enabled) {
    await ctx.recorder.log('info', 'load: disabled in the config (load.enabled: false); skipped.');
    return;
  }
  const plan = resolveLoadPlan(config.load, ctx.options);
  assertLoadAllowed(ctx.stack.baseUrl, config.target.loadAllowedHosts, 'load');
  const specFile = config.target.openapi ?? config.contracts.spec;
  const spec = specFile
    ? await loadSpec(path.resolve(ctx.rootDir, specFile), { displayRoot: process.cwd() })
    : null;
  const mix = resolveRequestMix(config, spec);
  if (mix.routes.length === 0)
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `invalid config, 1 problem:\n  - load.routes: the spec ${spec?.displayFile ?? ''} has no GET operation that can be called without more input; list the routes to load in load.routes.`,
    );
  const thresholds = mergeThresholds(
    compileOrThrow(() => compileThresholds(config.load.thresholds ?? {}, 'script'), 'load.'),
    compileOrThrow(() => compileThresholds(config.thresholds, 'config'), ''),
  ).map((spec) => ({ ...spec, metric: k6Tags(spec.metric) }));
  const suite = await ctx.recorder.suite('load', 'load');
  try {
    await new LoadRun(ctx, suite, plan, mix, spec, thresholds).execute();
  } catch (error) {
    await suite.end(
      `the load stopped on an error: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  }
};

function compileOrThrow(compile: () => ThresholdSpec[], prefix: string): ThresholdSpec[] {
  try {
    return compile();
  } catch (error) {
    if (!(error instanceof AggregateError)) throw error;
    const problems = error.message
      .split('\n')
      .map((line) => (line.startsWith('thresholds.') ? prefix + line : line));
    throw new ShakedownError('SHK_CONFIG_INVALID', `invalid config, thresholds:\n${problems.join('\n')}`);
  }
}

/** k6 writes tags `metric{route:GET /x}`; the windows record them as `metric{route=GET /x}`. */
export function k6Tags(metric: string): string {
  return metric.replace(/\{\s*([\w-]+)\s*:\s*([^}]*?)\s*\}$/, '{$1=$2}');
}

class LoadRun {
  readonly #ctx: EngineContext;
  readonly #suite: SuiteRecorder;
  readonly #plan: LoadPlan;
  readonly #mix: RequestMix;
  readonly #spec: ApiSpec | null;
  readonly #thresholds: ThresholdTracker;
  readonly #judge: LoadJudge;
  readonly #totals = new RunTotals();
  readonly #timetable: Timetable;
  readonly #lives = new Map<number, LoadLive>();
  #authHeaders: Record<string, string> = {};
  #sampler: ResourceSampler | null = null;
  #sampling = false;
  #latestSample: ResourceSample | null = null;
  #conformance: ConformanceSampler | null = null;
  #pool: LoadWorkerPool | null = null;
  readonly #clock = new RunClock();
  #windowId = 0;
  #stopReason: string | null = null;
  #stoppedAtMs = 0;
  #abortedBy: ThresholdSpec | null = null;
  #lost: DataStop | null = null;
  #lastDone = { count: 0, atMs: 0 };

  constructor(
    ctx: EngineContext,
    suite: SuiteRecorder,
    plan: LoadPlan,
    mix: RequestMix,
    spec: ApiSpec | null,
    thresholds: ThresholdSpec[],
  ) {
    this.#ctx = ctx;
    this.#suite = suite;
    this.#plan = plan;
    this.#mix = mix;
    this.#spec = spec;
    this.#thresholds = new ThresholdTracker(thresholds, plan.windowMs, thresholdsCheck);
    this.#judge = new LoadJudge(plan);
    this.#timetable = new Timetable(plan.segments);
  }

  async execute(): Promise<void> {
    const ctx = this.#ctx;
    this.#authHeaders = await ctx.auth.headers();
    this.#sampler = await createResourceSampler(ctx.http, ctx.stack, ctx.config.soak.metricsPath);
    if (this.#spec && this.#plan.validateEvery > 0)
      this.#conformance = await ConformanceSampler.start(
        this.#spec.file,
        this.#mix.routes,
        ctx.stack.baseUrl,
        this.#plan.windowMs,
      );
    await this.#suite.log('info', this.#describe());
    for (const reason of this.#mix.skipped) await this.#suite.log('warn', reason);
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
    let ticker: NodeJS.Timeout | undefined;
    try {
      this.#pool = await LoadWorkerPool.start(this.#workerInits(), {
        onLive: (index, live) => this.#lives.set(index, live),
        onSamples: (samples) => this.#conformance?.submit(samples),
        onLog: (level, message) => void this.#suite.log(level, message),
      });
      void this.#pool.allStopped.then(() => this.#clock.wake());
      ticker = setInterval(() => void this.#tick(), TICK_MS);
      this.#pool.begin(this.#clock.start());
      const last = await this.#runWindows();
      const finished = () =>
        Promise.race([this.#pool!.allStopped, new Promise((r) => setTimeout(r, FINISH_TIMEOUT_MS))]);
      // Workers end their share themselves (a lagging worker still owes the end of its timetable);
      // only an early stop, or one that overruns, is cut short.
      if (!this.#stopReason) await finished();
      this.#pool.stop();
      await finished();
      // The last window takes the requests still answered after the timetable ended; after an early
      // stop it only holds stragglers, recorded but not judged.
      await this.#closeWindow(
        last.startMs,
        Math.max(last.startMs + 1, this.#clock.elapsedMs()),
        !last.judged,
      );
    } finally {
      clearInterval(ticker);
      ctx.signal.removeEventListener('abort', onAbort);
      ctx.targetLost.removeEventListener('abort', onLost);
      await this.#pool?.terminate();
      await this.#conformance?.close();
    }
    await this.#finish();
  }

  /**
   * The one place the run stops early: Ctrl-C (ctx.signal), an `abortOnFail` threshold, a dead
   * worker, or (wired by the run-integrity work) the target going away. Sending stops, what was
   * gathered is judged, and the stop is reported with its reason.
   */
  #stop(reason: string): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#stoppedAtMs = this.#clock.elapsedMs();
    this.#pool?.stop();
    this.#clock.wake();
  }

  /**
   * Closes windows on the plan's boundaries; the last one is left open for the finish to close once
   * the workers are done. Returns where that window starts and whether it is to be judged.
   */
  async #runWindows(): Promise<{ startMs: number; judged: boolean }> {
    const { windowMs, durationMs } = this.#plan;
    let startMs = 0;
    let workersDone = false;
    void this.#pool!.allStopped.then(() => {
      workersDone = true;
    });
    for (;;) {
      const endMs = Math.min(startMs + windowMs, durationMs);
      if (!this.#stopReason) await this.#clock.sleepUntil(endMs);
      if (this.#stopReason || workersDone) {
        // A stop, or a closed run that reached its request count: the part window is judged like any
        // other unless it is too short to mean anything; then it goes into the final window.
        const stoppedAt = Math.min(this.#clock.elapsedMs(), endMs);
        if (stoppedAt - startMs < Math.min(1_000, windowMs / 2)) return { startMs, judged: false };
        await this.#closeWindow(startMs, stoppedAt);
        return { startMs: stoppedAt, judged: false };
      }
      if (endMs >= durationMs) return { startMs, judged: true };
      await this.#closeWindow(startMs, endMs);
      startMs = endMs;
    }
  }

  /** `final`: a window of stragglers after an early stop, recorded but not judged. */
  async #closeWindow(startMs: number, endMs: number, final = false): Promise<void> {
    const raws = await this.#pool!.window(this.#windowId++, Math.max(this.#plan.windowMs, 10_000));
    const window = MergedWindow.merge(startMs, endMs, raws, (name) =>
      SUMMED_LOAD_GAUGES.has(name) ? 'sum' : 'max',
    );
    // A sample from before this window would repeat a stale value: a gap is the truth.
    if (this.#latestSample && this.#latestSample.atMs >= startMs)
      for (const [name, value] of serverGauges(this.#latestSample)) window.gauges.set(name, value);
    window.gauges.set('generator_rss_bytes', process.memoryUsage.rss());
    const afterWarmup = startMs >= this.#plan.warmupMs;
    this.#totals.add(window, afterWarmup);
    const due =
      this.#plan.model === 'open' && !final
        ? this.#timetable.dueBy(Math.min(endMs, this.#plan.durationMs)) - this.#timetable.dueBy(startMs)
        : 0;
    if (!final || (window.counter('http_reqs') ?? 0) > 0)
      await this.#suite.interval({ startMs, endMs, metrics: window.snapshot() });
    if (final || !afterWarmup) return;
    this.#judge.addWindow(window, afterWarmup, due);
    const broken = [
      ...this.#thresholds.addWindow(window, endMs),
      ...this.#thresholds.brokenSoFar(this.#totals, endMs),
    ];
    if (broken.length > 0 && !this.#stopReason) {
      this.#abortedBy = broken[0];
      this.#stop(`threshold ${broken[0].metric}: ${broken[0].expression.source} failed (abortOnFail)`);
    }
  }

  async #finish(): Promise<void> {
    const plan = this.#plan;
    if (this.#stopReason)
      await this.#suite.log(
        'warn',
        `the load stopped early at ${Math.round(this.#stoppedAtMs / 1000)} s of ${plan.durationMs / 1000} s (${this.#stopReason}); the verdicts cover what ran.`,
      );
    this.#suite.metrics(this.#totals.snapshot());
    for (const result of this.#thresholds.results(this.#totals, this.#abortedBy))
      await this.#suite.check(unlessDataStopped(result, this.#lost, STOPPED_DATA));
    if (this.#conformance)
      await this.#suite.check(
        this.#conformance.result(this.#ctx.redactor, plan.validateEvery, this.#authHeaders),
      );
    else
      await this.#suite.check(
        contractConformanceCheck.skip(
          this.#spec
            ? 'validation is off (load.validate: 0).'
            : 'no OpenAPI document (target.openapi) to validate against.',
        ),
      );
    for (const result of this.#judge.checks(this.#totals))
      await this.#suite.check(unlessDataStopped(result, this.#lost, STOPPED_DATA));
    const failure = this.#pool?.failure;
    if (this.#lost) await this.#suite.end(`target lost at ${clock(this.#lost.atMs)}: ${this.#lost.message}`);
    else if (failure) await this.#suite.end(failure);
    else if (this.#judge.overloaded && plan.model === 'open')
      await this.#suite.end('generator overloaded: results not trustworthy');
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
    }
    const live = { sent: 0, done: 0, failed: 0, dropped: 0, inFlight: 0 };
    for (const l of this.#lives.values())
      for (const key of Object.keys(live) as (keyof LoadLive)[]) live[key] += l[key];
    const dtSec = (elapsedMs - this.#lastDone.atMs) / 1000;
    const rate = dtSec > 0 ? (live.done - this.#lastDone.count) / dtSec : 0;
    this.#lastDone = { count: live.done, atMs: elapsedMs };
    await this.#suite.progress({
      elapsedMs,
      totalMs: this.#plan.durationMs,
      status: `${Math.round(rate)} req/s · ${live.done} done · ${live.failed} failed · ${live.dropped} dropped · ${live.inFlight} in flight`,
    });
  }

  #workerInits(): LoadWorkerInit[] {
    const starveMs = Number(process.env[LOAD_STARVE_ENV] ?? 0) || 0;
    return Array.from({ length: this.#plan.workers }, (_, workerIndex) => ({
      workerIndex,
      plan: this.#plan,
      routes: this.#mix.routes,
      baseUrl: this.#ctx.stack.baseUrl,
      authHeaders: this.#authHeaders,
      starveMs,
    }));
  }

  #describe(): string {
    const p = this.#plan;
    const model =
      p.model === 'open'
        ? `open model, ${this.#timetable.total} requests on a fixed timetable (${p.segments.map((s) => (s.fromPerSec === s.toPerSec ? `${s.toPerSec}/s for ${s.durationMs / 1000} s` : `${s.fromPerSec}→${s.toPerSec}/s over ${s.durationMs / 1000} s`)).join(', ')}), at most ${p.maxInFlight} in flight over up to ${p.maxConnections} connections`
        : `closed model, ${p.connections} connections${p.pipelining > 1 ? ` × ${p.pipelining} pipelined` : ''} for ${p.durationMs / 1000} s${p.requests !== undefined ? ` or ${p.requests} requests` : ''}`;
    const routes = this.#mix.routes.map((r) => `${r.name} ×${r.weight}`).join(', ');
    const validation =
      this.#conformance !== null ? `validating 1 response in ${p.validateEvery}` : 'no response validation';
    return `${model}; routes (${this.#mix.source === 'spec' ? 'from the spec' : 'from load.routes'}): ${routes}; ${validation}; ${p.windowMs / 1000} s windows, warm-up ${p.warmupMs / 1000} s, ${p.workers} worker thread${p.workers === 1 ? '' : 's'}; server resources from ${this.#sampler?.origin ?? 'none'}.`;
  }
}
