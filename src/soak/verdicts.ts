import type { MergedWindow, RunTotals } from '../metrics/aggregate.ts';
import { Histogram, round3 } from '../metrics/histogram.ts';
import { compareDrift, monotonicTrend, RISING_Z } from '../metrics/trend.ts';
import type { CheckResult } from '../run/model.ts';
import {
  judgeSignal,
  type LeakVerdict,
  milder,
  SegmentedTrend,
  type SignalJudgement,
  signed,
  type ThirdsWork,
} from './leak.ts';
import type { SoakPlan } from './plan.ts';
import type { ReplicaOrigin, ResourceSample, ResourceSource } from './server-resources.ts';

const OFFENDERS_KEPT = 20;
const MiB = 1024 * 1024;

interface WindowNote {
  startMs: number;
  endMs: number;
  [key: string]: number;
}

/** Where a window sits in the plan: warm-up, steady state (judged), ramp-down, or the final drain. */
export interface WindowPhase {
  afterWarmup: boolean;
  /** After warm-up and ramp-up, before ramp-down: what sessions-held, drift and leak judge. */
  steady: boolean;
  /** The short window after the run while the last acks drain. */
  drain: boolean;
}

/**
 * One server process's memory over the steady state: RSS sample by sample, and the memory the program
 * holds (heap used, plus external buffers where reported) by its floor in each window, i.e. after
 * the collector ran.
 */
class MemorySeries {
  readonly rss: SegmentedTrend;
  readonly retained: SegmentedTrend;
  /** The metric the heap came from (`nodejs_heap_size_used_bytes`, `go_memstats_heap_alloc_bytes`, …). */
  heapMetric: string | undefined;
  withExternal = false;
  #windowMin: number | undefined;
  #windowMid = 0;

  constructor(spanMin: number) {
    this.rss = new SegmentedTrend(spanMin);
    this.retained = new SegmentedTrend(spanMin);
  }

  add(minutes: number, sample: ResourceSample): void {
    if (sample.rssBytes !== undefined) this.rss.add(minutes, sample.rssBytes);
    if (sample.heapBytes !== undefined) {
      const retained = sample.heapBytes + (sample.externalBytes ?? 0);
      this.heapMetric = sample.heapMetric ?? this.heapMetric ?? 'nodejs_heap_size_used_bytes';
      this.withExternal ||= sample.externalBytes !== undefined;
      this.#windowMin = Math.min(this.#windowMin ?? Number.POSITIVE_INFINITY, retained);
      this.#windowMid = minutes;
    }
  }

  closeWindow(): void {
    if (this.#windowMin === undefined) return;
    this.retained.add(this.#windowMid, this.#windowMin);
    this.#windowMin = undefined;
  }

  get heapLabel(): string {
    return `held memory (${this.heapMetric}${this.withExternal ? ' + external buffers' : ''}, floor per window)`;
  }
}

/** One process's memory judged: both signals, the verdict, and the sentence that says so. */
interface MemoryVerdict {
  rss: SignalJudgement;
  retained: SignalJudgement | null;
  verdict: LeakVerdict;
  /** The signals the verdict rests on: RSS, and the heap as well where the target exposes one. */
  judged: 'heap and rss' | 'rss';
  summary: string;
}

/**
 * Builds the soak's verdicts window by window, keeping only running fits, counts and a bounded list
 * of offending windows, so a long soak does not grow the harness's memory.
 */
export class SoakJudge {
  readonly #plan: SoakPlan;
  /** The target's memory; on a stack with replicas, each replica's instead. */
  readonly #memory: MemorySeries;
  readonly #replicas = new Map<string, { origin: string; memory: MemorySeries }>();
  #resourceSource: ResourceSource = 'none';
  #resourceOrigin = '';
  #generatorWindows = 0;
  readonly #overloaded: WindowNote[] = [];
  #overloadedCount = 0;
  #heldWindows = 0;
  readonly #heldOffenders: WindowNote[] = [];
  #heldOffenderCount = 0;
  readonly #lossWindows: WindowNote[] = [];
  readonly #driftFirst: string[] = [];
  readonly #driftLast: string[] = [];
  readonly #driftKeep: number;
  /** p95 of event_rtt_ms per steady window: one number a window, for the trend test. */
  readonly #p95ByWindow: number[] = [];
  #steadyWindows = 0;
  /** Work done in the steady state, to express memory growth per unit of work. */
  #steadyEvents = 0;
  #steadySessions = 0;
  /** Events and minutes in the first and last thirds of the steady state (see SegmentedTrend). */
  readonly #thirds = { earlyEvents: 0, earlyMin: 0, lateEvents: 0, lateMin: 0 };

  constructor(plan: SoakPlan) {
    this.#plan = plan;
    this.#memory = this.#newSeries();
    const plannedSteady = Math.max(1, Math.floor((plan.steadyToMs - plan.steadyFromMs) / plan.windowMs));
    this.#driftKeep = Math.max(1, Math.floor(plannedSteady / 5));
  }

  /** `drain` marks the window after the sessions were told to stop, whenever that was. */
  phase(startMs: number, endMs: number, drain = false): WindowPhase {
    const slack = 50;
    const afterWarmup = startMs >= this.#plan.steadyFromMs - slack;
    return {
      afterWarmup,
      steady: afterWarmup && !drain && endMs <= this.#plan.steadyToMs + slack,
      drain,
    };
  }

  /** `replicas`: the stack's replicas, each judged on its own memory (any one leaking fails the check). */
  setResourceSource(source: ResourceSource, origin: string, replicas: readonly ReplicaOrigin[] = []): void {
    this.#resourceSource = source;
    this.#resourceOrigin = origin;
    this.#replicas.clear();
    for (const r of replicas) this.#replicas.set(r.service, { origin: r.origin, memory: this.#newSeries() });
  }

  /** Server memory samples in the steady state feed the leak fits, per replica when there are replicas. */
  addResourceSample(sample: ResourceSample): void {
    if (sample.atMs < this.#plan.steadyFromMs || sample.atMs > this.#plan.steadyToMs) return;
    const minutes = (sample.atMs - this.#plan.steadyFromMs) / 60_000;
    if (this.#replicas.size === 0) {
      this.#memory.add(minutes, sample);
      return;
    }
    for (const [service, replica] of Object.entries(sample.replicas ?? {}))
      this.#replicas.get(service)?.memory.add(minutes, replica);
  }

  addWindow(window: MergedWindow, phase: WindowPhase): void {
    const note = { startMs: window.startMs, endMs: window.endMs };
    const lost = window.counter('events_lost') ?? 0;
    if (lost > 0 && this.#lossWindows.length < OFFENDERS_KEPT * 2)
      this.#lossWindows.push({ ...note, lost, sent: window.counter('events_sent') ?? 0 });
    if (phase.drain) return;
    if (phase.afterWarmup) this.#judgeGenerator(window, note);
    if (!phase.steady) return;
    this.#steadyWindows += 1;
    this.#steadyEvents += window.counter('events_acked') ?? 0;
    this.#countThirds(window);
    this.#steadySessions += window.counter('sessions_started') ?? 0;
    this.#judgeSessionsHeld(window, note);
    this.#keepForDrift(window);
    this.#memory.closeWindow();
    for (const replica of this.#replicas.values()) replica.memory.closeWindow();
  }

  get overloaded(): boolean {
    return (
      this.#generatorWindows > 0 && this.#overloadedShare() > this.#plan.generator.maxOverloadedWindowsPct
    );
  }

  checks(totals: RunTotals): CheckResult[] {
    return [
      this.#noEventLoss(totals),
      this.#noUnexpectedDisconnects(totals),
      this.#memoryLeak(),
      this.#latencyDrift(totals),
      this.#generatorHealthy(),
      this.#sessionsHeld(totals),
    ];
  }

  #countThirds(window: MergedWindow): void {
    const spanMin = (this.#plan.steadyToMs - this.#plan.steadyFromMs) / 60_000;
    const midMin = ((window.startMs + window.endMs) / 2 - this.#plan.steadyFromMs) / 60_000;
    const minutes = (window.endMs - window.startMs) / 60_000;
    const events = window.counter('events_acked') ?? 0;
    if (midMin <= spanMin / 3) {
      this.#thirds.earlyEvents += events;
      this.#thirds.earlyMin += minutes;
    } else if (midMin >= (spanMin * 2) / 3) {
      this.#thirds.lateEvents += events;
      this.#thirds.lateMin += minutes;
    }
  }

  #thirdsWork(): ThirdsWork | undefined {
    const { earlyEvents, earlyMin, lateEvents, lateMin } = this.#thirds;
    if (earlyMin === 0 || lateMin === 0) return undefined;
    return { earlyPerMin: earlyEvents / earlyMin, latePerMin: lateEvents / lateMin };
  }

  #newSeries(): MemorySeries {
    return new MemorySeries((this.#plan.steadyToMs - this.#plan.steadyFromMs) / 60_000);
  }

  #judgeGenerator(window: MergedWindow, note: { startMs: number; endMs: number }): void {
    const { maxEventLoopP99Ms, maxCpuPct } = this.#plan.generator;
    const loopP99Ms = window.gauges.get('generator_event_loop_p99_ms') ?? 0;
    const cpuPct = window.gauges.get('generator_cpu_pct') ?? 0;
    this.#generatorWindows += 1;
    if (loopP99Ms > maxEventLoopP99Ms || cpuPct > maxCpuPct) {
      this.#overloadedCount += 1;
      if (this.#overloaded.length < OFFENDERS_KEPT)
        this.#overloaded.push({ ...note, eventLoopP99Ms: round3(loopP99Ms), cpuPct: round3(cpuPct) });
    }
  }

  #judgeSessionsHeld(window: MergedWindow, note: { startMs: number; endMs: number }): void {
    const target = this.#plan.sessions;
    const average = window.gauges.get('sessions_active_avg') ?? 0;
    this.#heldWindows += 1;
    const deviationPct = (Math.abs(average - target) / target) * 100;
    if (deviationPct > this.#plan.sessionsHeldPct) {
      this.#heldOffenderCount += 1;
      if (this.#heldOffenders.length < OFFENDERS_KEPT)
        this.#heldOffenders.push({ ...note, activeAvg: round3(average), deviationPct: round3(deviationPct) });
    }
  }

  #keepForDrift(window: MergedWindow): void {
    const rtt = window.histogram('event_rtt_ms');
    const encoded = rtt ? rtt.encode() : new Histogram().encode();
    if (rtt && rtt.count > 0) this.#p95ByWindow.push(rtt.percentile(95));
    if (this.#driftFirst.length < this.#driftKeep) this.#driftFirst.push(encoded);
    this.#driftLast.push(encoded);
    if (this.#driftLast.length > this.#driftKeep) this.#driftLast.shift();
  }

  #overloadedShare(): number {
    return (this.#overloadedCount / this.#generatorWindows) * 100;
  }

  #noEventLoss(totals: RunTotals): CheckResult {
    const sent = totals.counter('events_sent') ?? 0;
    const lost = totals.counter('events_lost') ?? 0;
    const acked = totals.counter('events_acked') ?? 0;
    const rate = sent > 0 ? lost / sent : 0;
    const bound = this.#plan.maxLostRate;
    const evidence = {
      sent,
      acked,
      lost,
      lostRate: rate,
      maxLostRate: bound,
      late: totals.counter('events_late') ?? 0,
      abandonedAtStop: totals.counter('events_abandoned') ?? 0,
      repliesMissed: totals.counter('replies_missed') ?? 0,
      ackTimeoutMs: this.#plan.ackTimeoutMs,
      windowsWithLoss: this.#lossWindows,
    };
    const base = { id: 'soak.no-event-loss', title: 'No events lost', evidence };
    const httpRequests = totals.counter('http_reqs') ?? 0;
    if (sent === 0 && httpRequests > 0)
      return {
        ...base,
        verdict: 'skip',
        message: `the sessions sent no socket.io events (HTTP only: ${httpRequests} requests), so there is nothing to lose; failed requests are in http_req_failed.`,
      };
    if (sent === 0)
      return {
        ...base,
        verdict: 'fail',
        message: 'no events were sent: the sessions never got to stream (see the log for session failures).',
      };
    const ok = rate <= bound;
    return {
      ...base,
      verdict: ok ? 'pass' : 'fail',
      message: `${lost} of ${sent} events got no ack within ${this.#plan.ackTimeoutMs} ms (rate ${rate.toPrecision(3)}, allowed ${bound}).`,
    };
  }

  #noUnexpectedDisconnects(totals: RunTotals): CheckResult {
    const snapshot = totals.snapshot().counters;
    const pick = (prefix: string) =>
      Object.fromEntries(Object.entries(snapshot).filter(([name]) => name.startsWith(`${prefix}{`)));
    const disconnects = totals.counter('disconnects') ?? 0;
    const allowed = this.#plan.maxUnexpectedDisconnects;
    const reconnect = totals.histogram('reconnect_ms');
    const ok = disconnects <= allowed;
    return {
      id: 'soak.no-unexpected-disconnects',
      title: 'No unexpected disconnects',
      verdict: ok ? 'pass' : 'fail',
      message: `${disconnects} disconnect${disconnects === 1 ? '' : 's'} the script did not ask for (allowed ${allowed}); ${totals.counter('disconnects_expected') ?? 0} sessions ended their sockets themselves.`,
      evidence: {
        disconnects,
        allowed,
        byReason: pick('disconnects'),
        reconnects: totals.counter('reconnects') ?? 0,
        reconnectMs: reconnect ? reconnect.summary() : null,
        connectErrors: pick('connect_errors'),
        expectedDisconnects: totals.counter('disconnects_expected') ?? 0,
      },
    };
  }

  #memoryLeak(): CheckResult {
    const base = { id: 'soak.memory-leak', title: 'No server memory leak' };
    if (this.#resourceSource === 'none') {
      return {
        ...base,
        verdict: 'skip',
        message:
          'no server resource source: the target has no Prometheus endpoint at soak.metricsPath and the stack has no local PID to sample.',
      };
    }
    if (this.#replicas.size > 0) return this.#replicasLeak(base);
    const memory = this.#judgeMemory(this.#memory);
    if (!memory) {
      return {
        ...base,
        verdict: 'skip',
        message: `fewer than 3 server memory samples after warm-up (${this.#memory.rss.n}): the steady state is too short to fit a trend.`,
        evidence: { source: this.#resourceSource, origin: this.#resourceOrigin },
      };
    }
    return {
      ...base,
      verdict: memory.verdict,
      message: `${memory.summary}.`,
      evidence: {
        source: this.#resourceSource,
        origin: this.#resourceOrigin,
        bounds: this.#plan.leak,
        steadyFromMs: this.#plan.steadyFromMs,
        judged: memory.judged,
        ...this.#perWork(memory),
        rss: memory.rss,
        ...(memory.retained ? { retained: memory.retained } : {}),
      },
    };
  }

  /** Every replica judged on its own memory: one leaking replica fails the check, and is named. */
  #replicasLeak(base: { id: string; title: string }): CheckResult {
    const judged = [...this.#replicas].map(([service, { origin, memory }]) => ({
      service,
      origin,
      samples: memory.rss.n,
      memory: this.#judgeMemory(memory),
    }));
    const leaking = judged.filter((j) => j.memory?.verdict === 'fail').map((j) => j.service);
    const settling = judged.filter((j) => j.memory?.verdict === 'warn').map((j) => j.service);
    const evidence = {
      source: this.#resourceSource,
      origin: this.#resourceOrigin,
      bounds: this.#plan.leak,
      steadyFromMs: this.#plan.steadyFromMs,
      leakingReplicas: leaking,
      settlingReplicas: settling,
      replicas: judged.map(({ service, origin, samples, memory }) => ({
        service,
        origin,
        samples,
        verdict: memory ? memory.verdict : 'skip',
        ...(memory ? { rss: memory.rss } : {}),
        ...(memory?.retained ? { retained: memory.retained } : {}),
      })),
    };
    if (judged.every((j) => !j.memory)) {
      return {
        ...base,
        verdict: 'skip',
        message: `fewer than 3 memory samples after warm-up from every replica (${judged.map((j) => `${j.service} ${j.samples}`).join(', ')}): the steady state is too short to fit a trend.`,
        evidence,
      };
    }
    const each = judged.map(
      (j) =>
        `${j.service}: ${j.memory ? j.memory.summary : `not judged, fewer than 3 samples after warm-up (${j.samples})`}`,
    );
    const head =
      leaking.length > 0
        ? `${leaking.join(', ')} ${leaking.length === 1 ? 'leaks' : 'leak'}`
        : settling.length > 0
          ? `${settling.join(', ')} still settling`
          : `no replica leaks (${judged.filter((j) => j.memory).length} of ${judged.length} judged)`;
    return {
      ...base,
      verdict: leaking.length > 0 ? 'fail' : settling.length > 0 ? 'warn' : 'pass',
      message: `${head}. ${each.join('. ')}.`,
      evidence,
    };
  }

  /**
   * RSS is what gets a process killed; the memory the program holds tells a leak from the allocator
   * or the runtime growing its heap in steps early in a run, which RSS alone cannot. Where the target
   * exposes its heap, both must show the leak; a Python service (RSS only) is judged on RSS.
   */
  #judgeMemory(memory: MemorySeries): MemoryVerdict | null {
    const bounds = this.#plan.leak;
    const work = this.#thirdsWork();
    const rss = judgeSignal(memory.rss, 'RSS', bounds, work);
    if (!rss) return null;
    const retained = judgeSignal(memory.retained, memory.heapLabel, bounds, work);
    const verdict = retained ? milder(rss.verdict, retained.verdict) : rss.verdict;
    const describe = (t: SignalJudgement) =>
      `${t.label} ${signed(t.slopeBytesPerMin / MiB)} MiB/min (95% CI ${signed(t.ci95[0] / MiB)}…${signed(t.ci95[1] / MiB)}, R² ${t.r2.toFixed(2)}), ${signed(t.growthPct)}% over ${t.minutes.toFixed(1)} min: ${t.reason}`;
    const bound = `bound ${bounds.maxSlopeBytesPerMin / MiB} MiB/min and ${bounds.maxGrowthPct}% growth`;
    let conclusion: string;
    if (verdict === 'fail')
      conclusion = `${retained ? 'both exceed' : 'RSS exceeds'} the ${bound}: memory keeps growing`;
    else if (verdict === 'warn')
      conclusion = `still settling: run ≥ ${Math.max(rss.runAtLeastMin ?? 0, retained?.runAtLeastMin ?? 0)} minutes to tell`;
    else if (retained && rss.leaking && !retained.leaking)
      conclusion = `RSS exceeds the ${bound} but held memory does not: allocator or heap sizing, not a leak`;
    else
      conclusion = `no leak, judged on ${retained ? 'held memory and RSS' : 'RSS (the target exposes no heap metric)'}`;
    const trends = [rss, retained].filter((t) => t !== null).map(describe);
    return {
      rss,
      retained,
      verdict,
      judged: retained ? 'heap and rss' : 'rss',
      summary: `${trends.join('; ')}. Verdict: ${conclusion}`,
    };
  }

  /** The judged signal's late growth per unit of work: a leak scales with work, settling does not. */
  #perWork(memory: MemoryVerdict): Record<string, number> {
    const signal = memory.retained ?? memory.rss;
    const slope = (signal.late ?? signal).slopeBytesPerMin;
    const minutes = (this.#plan.steadyToMs - this.#plan.steadyFromMs) / 60_000;
    const out: Record<string, number> = {};
    if (this.#steadyEvents > 0)
      out.bytesPer1000Events = round3((slope / (this.#steadyEvents / minutes)) * 1000);
    if (this.#steadySessions > 0) out.bytesPerSession = round3(slope / (this.#steadySessions / minutes));
    return out;
  }

  #latencyDrift(totals: RunTotals): CheckResult {
    const base = { id: 'soak.latency-drift', title: 'No latency drift' };
    const n = this.#steadyWindows;
    if (n < 2 || (totals.counter('events_acked') ?? 0) === 0) {
      return {
        ...base,
        verdict: 'skip',
        message: `not enough to compare: ${n} steady window${n === 1 ? '' : 's'} after warm-up and ${totals.counter('events_acked') ?? 0} acked events.`,
      };
    }
    const k = Math.max(1, Math.floor(n / 5));
    const first = Histogram.decodeAll(this.#driftFirst.slice(0, k));
    const last = Histogram.decodeAll(this.#driftLast.slice(-k));
    const { maxFactor, minDeltaMs } = this.#plan.drift;
    const bounds = { maxFactor, minDelta: minDeltaMs };
    const ends = compareDrift(first.percentile(95), last.percentile(95), bounds);
    const spanSec = (k * this.#plan.windowMs) / 1000;
    // With enough windows, noise-aware: the per-window p95 must rise consistently (Mann-Kendall), and
    // the size of the rise is read off a Theil-Sen line, so one spiky window on a busy machine neither
    // makes a drift nor hides one. With fewer windows only the two ends can be compared.
    const trend = this.#p95ByWindow.length >= MIN_TREND_WINDOWS ? monotonicTrend(this.#p95ByWindow) : null;
    const fitted = trend && compareDrift(Math.max(0, trend.fittedFirst), trend.fittedLast, bounds);
    const drift = fitted ?? ends;
    const drifted = trend ? trend.z > RISING_Z && drift.drifted : drift.drifted;
    const factorText = Number.isFinite(drift.factor) ? drift.factor.toFixed(2) : '∞';
    const how = trend
      ? ` Per window (${trend.n}) it ${trend.z > RISING_Z ? 'rose consistently' : 'showed no consistent rise'} (Mann-Kendall z ${trend.z.toFixed(2)}, a rise above ${RISING_Z}); the fitted line goes from ${round3(drift.earlier)} to ${round3(drift.later)} ms: ×${factorText}, ${signed(drift.delta)} ms. Fails on a consistent rise above ×${maxFactor} and ${minDeltaMs} ms.`
      : `: ×${factorText}, ${signed(drift.delta)} ms. Fails above ×${maxFactor} when the change is also above ${minDeltaMs} ms (with ${MIN_TREND_WINDOWS}+ steady windows the trend is tested too).`;
    return {
      ...base,
      verdict: drifted ? 'fail' : 'pass',
      message: `event_rtt_ms p95 went from ${round3(ends.earlier)} ms (first ${spanSec} s after warm-up) to ${round3(ends.later)} ms (last ${spanSec} s)${trend ? '.' : ''}${how}`,
      evidence: {
        metric: 'event_rtt_ms',
        stat: 'p95',
        firstP95Ms: round3(ends.earlier),
        lastP95Ms: round3(ends.later),
        // The numbers the verdict used: the fitted line's when the trend was tested, else the ends'.
        factor: Number.isFinite(drift.factor) ? round3(drift.factor) : null,
        deltaMs: round3(drift.delta),
        trend: trend && {
          mannKendallZ: round3(trend.z),
          risingZ: RISING_Z,
          fittedFirstP95Ms: round3(trend.fittedFirst),
          fittedLastP95Ms: round3(trend.fittedLast),
          p95ByWindowMs: this.#p95ByWindow.map(round3),
        },
        bounds: { maxFactor, minDeltaMs },
        windowsCompared: k,
        steadyWindows: n,
        first: first.summary(),
        last: last.summary(),
      },
    };
  }

  #generatorHealthy(): CheckResult {
    const bounds = this.#plan.generator;
    const share = this.#generatorWindows > 0 ? this.#overloadedShare() : 0;
    const ok = !this.overloaded;
    return {
      id: 'soak.generator-healthy',
      title: 'Load generator healthy',
      verdict: ok ? 'pass' : 'fail',
      message: `${this.#overloadedCount} of ${this.#generatorWindows} windows after warm-up had the generator's event-loop p99 above ${bounds.maxEventLoopP99Ms} ms or its CPU above ${bounds.maxCpuPct}% (${share.toFixed(0)}%, allowed ${bounds.maxOverloadedWindowsPct}%)${ok ? '' : ': generator overloaded, results not trustworthy'}.`,
      evidence: {
        bounds,
        windows: this.#generatorWindows,
        overloadedWindows: this.#overloadedCount,
        offenders: this.#overloaded,
      },
    };
  }

  #sessionsHeld(totals: RunTotals): CheckResult {
    const base = { id: 'soak.sessions-held', title: 'Sessions held at the target' };
    const target = this.#plan.sessions;
    const evidence = {
      target,
      tolerancePct: this.#plan.sessionsHeldPct,
      windows: this.#heldWindows,
      offenders: this.#heldOffenders,
      sessionsStarted: totals.counter('sessions_started') ?? 0,
      sessionsFailed: totals.counter('sessions_failed') ?? 0,
    };
    if (this.#heldWindows === 0)
      return { ...base, verdict: 'skip', message: 'no window fell between ramp-up and ramp-down.', evidence };
    const ok = this.#heldOffenderCount === 0;
    return {
      ...base,
      verdict: ok ? 'pass' : 'fail',
      message: ok
        ? `active sessions averaged within ${this.#plan.sessionsHeldPct}% of ${target} in all ${this.#heldWindows} windows after ramp-up (${evidence.sessionsFailed} sessions failed and were replaced).`
        : `active sessions were off ${target} by more than ${this.#plan.sessionsHeldPct}% in ${this.#heldOffenderCount} of ${this.#heldWindows} windows (worst average ${Math.min(...this.#heldOffenders.map((o) => o.activeAvg))}); ${evidence.sessionsFailed} sessions failed.`,
      evidence,
    };
  }
}

/** Below this many steady windows a trend test cannot reach significance: only the ends are compared. */
const MIN_TREND_WINDOWS = 4;
