import type { MergedWindow, RunTotals } from '../metrics/aggregate.ts';
import { Histogram, round3 } from '../metrics/histogram.ts';
import { compareDrift } from '../metrics/trend.ts';
import type { CheckResult } from '../run/model.ts';
import type { LoadPlan } from './plan.ts';

const OFFENDERS_KEPT = 20;

interface Offender {
  startMs: number;
  endMs: number;
  [key: string]: number;
}

/**
 * The load's own verdicts, built window by window in bounded memory: the generator's health (its event
 * loop, its CPU and, in the open model, whether it kept the timetable), errors, and latency drift.
 */
export class LoadJudge {
  readonly #plan: LoadPlan;
  readonly #driftKeep: number;
  readonly #driftFirst: string[] = [];
  readonly #driftLast: string[] = [];
  readonly #overloaded: Offender[] = [];
  #steadyWindows = 0;
  #generatorWindows = 0;
  #overloadedCount = 0;

  constructor(plan: LoadPlan) {
    this.#plan = plan;
    const steadyWindows = Math.max(1, Math.ceil((plan.durationMs - plan.warmupMs) / plan.windowMs));
    this.#driftKeep = Math.max(1, Math.floor(steadyWindows / 5));
  }

  /** Whether the generator was overloaded too often for the run to be trusted. */
  get overloaded(): boolean {
    return (
      this.#generatorWindows > 0 &&
      (this.#overloadedCount / this.#generatorWindows) * 100 > this.#plan.generator.maxOverloadedWindowsPct
    );
  }

  /** `dueInWindow`: requests the open model's timetable had due in the window (0 in the closed model). */
  addWindow(window: MergedWindow, afterWarmup: boolean, dueInWindow: number): void {
    if (!afterWarmup) return;
    this.#steadyWindows += 1;
    this.#keepForDrift(window);
    const { maxEventLoopP99Ms, maxCpuPct, minSentPct } = this.#plan.generator;
    const loopP99Ms = window.gauges.get('generator_event_loop_p99_ms') ?? 0;
    const cpuPct = window.gauges.get('generator_cpu_pct') ?? 0;
    const scheduled = window.counter('requests_scheduled') ?? 0;
    const keptPct = dueInWindow > 0 ? (scheduled / dueInWindow) * 100 : 100;
    this.#generatorWindows += 1;
    if (loopP99Ms > maxEventLoopP99Ms || cpuPct > maxCpuPct || keptPct < minSentPct) {
      this.#overloadedCount += 1;
      if (this.#overloaded.length < OFFENDERS_KEPT)
        this.#overloaded.push({
          startMs: window.startMs,
          endMs: window.endMs,
          eventLoopP99Ms: round3(loopP99Ms),
          cpuPct: round3(cpuPct),
          ...(dueInWindow > 0 ? { scheduledPctOfDue: round3(keptPct) } : {}),
        });
    }
  }

  checks(totals: RunTotals): CheckResult[] {
    return [this.#generatorHealthy(), this.#noErrors(totals), this.#latencyDrift(totals)];
  }

  #keepForDrift(window: MergedWindow): void {
    const encoded = (window.histogram('http_req_duration') ?? new Histogram()).encode();
    if (this.#driftFirst.length < this.#driftKeep) this.#driftFirst.push(encoded);
    this.#driftLast.push(encoded);
    if (this.#driftLast.length > this.#driftKeep) this.#driftLast.shift();
  }

  #generatorHealthy(): CheckResult {
    const { maxEventLoopP99Ms, maxCpuPct, maxOverloadedWindowsPct, minSentPct } = this.#plan.generator;
    const share = this.#generatorWindows > 0 ? (this.#overloadedCount / this.#generatorWindows) * 100 : 0;
    const ok = !this.overloaded;
    const open = this.#plan.model === 'open';
    const bounds = `event-loop p99 above ${maxEventLoopP99Ms} ms or CPU above ${maxCpuPct}%${open ? ` or fewer than ${minSentPct}% of the due requests issued` : ''}`;
    return {
      id: 'load.generator-healthy',
      title: 'Load generator healthy',
      // In the closed model a saturated generator is expected (it sends as fast as it can): the
      // throughput is then the generator's limit as much as the target's, worth a warning, not a lie.
      verdict: ok ? 'pass' : open ? 'fail' : 'warn',
      message: `${this.#overloadedCount} of ${this.#generatorWindows} windows after warm-up had the generator's ${bounds} (${share.toFixed(0)}%, allowed ${maxOverloadedWindowsPct}%)${ok ? '' : open ? ': generator overloaded, results not trustworthy' : ': the throughput measured may be the generator’s limit, not the target’s'}.`,
      evidence: {
        bounds: this.#plan.generator,
        windows: this.#generatorWindows,
        overloadedWindows: this.#overloadedCount,
        offenders: this.#overloaded,
      },
    };
  }

  #noErrors(totals: RunTotals): CheckResult {
    const base = { id: 'load.no-errors', title: 'No server errors or failed connections under load' };
    const requests = totals.counter('http_reqs') ?? 0;
    const serverErrors = totals.counter('http_server_errors') ?? 0;
    const transportErrors = totals.counter('http_transport_errors') ?? 0;
    const evidence = { requests, serverErrors, transportErrors, maxErrorRate: this.#plan.maxErrorRate };
    if (requests === 0)
      return {
        ...base,
        verdict: 'fail',
        message: 'no request was answered or failed: nothing was measured.',
        evidence,
      };
    const rate = (serverErrors + transportErrors) / requests;
    const ok = rate <= this.#plan.maxErrorRate;
    return {
      ...base,
      verdict: ok ? 'pass' : 'fail',
      message: `${serverErrors} answers with a 5xx status and ${transportErrors} requests without an answer (refused, reset, timed out) out of ${requests} (${(rate * 100).toFixed(3)}%, allowed ${this.#plan.maxErrorRate * 100}%).`,
      evidence,
    };
  }

  #latencyDrift(totals: RunTotals): CheckResult {
    const base = { id: 'load.latency-drift', title: 'No latency drift over the load' };
    const n = this.#steadyWindows;
    const k = Math.max(1, Math.floor(n / 5));
    if (n < 2 || (totals.histogram('http_req_duration')?.count ?? 0) === 0)
      return {
        ...base,
        verdict: 'skip',
        message: `not enough to compare: ${n} window${n === 1 ? '' : 's'} after warm-up (2 or more needed).`,
      };
    const first = Histogram.decodeAll(this.#driftFirst.slice(0, k));
    const last = Histogram.decodeAll(this.#driftLast.slice(-k));
    // The median, not p95: a leak moves every request, while one slow burst only moves the tail.
    const drift = compareDrift(first.percentile(50), last.percentile(50), {
      maxFactor: this.#plan.drift.maxFactor,
      minDelta: this.#plan.drift.minDeltaMs,
    });
    const span = `the first ${k} and last ${k} of ${n} windows`;
    return {
      ...base,
      verdict: drift.drifted ? 'fail' : 'pass',
      message: `median http_req_duration went from ${round3(drift.earlier)} ms to ${round3(drift.later)} ms between ${span} (×${drift.factor.toFixed(2)}, ${drift.delta >= 0 ? '+' : ''}${round3(drift.delta)} ms; fails above ×${this.#plan.drift.maxFactor} and +${this.#plan.drift.minDeltaMs} ms).`,
      evidence: { ...drift, windowsCompared: k, steadyWindows: n, bounds: this.#plan.drift },
    };
  }
}
