import type { MergedWindow, RunTotals } from '../metrics/aggregate.ts';
import { Histogram, round3 } from '../metrics/histogram.ts';
import { compareDrift } from '../metrics/trend.ts';
import { defineCheck } from '../run/checks.ts';
import type { CheckResult } from '../run/model.ts';
import type { LoadPlan } from './plan.ts';

const OFFENDERS_KEPT = 20;

export const generatorHealthyCheck = defineCheck(import.meta.url, {
  id: 'load.generator-healthy',
  title: 'Load generator healthy',
  verifies:
    'The machine sending the load kept up: after warm-up, few enough windows (the load section’s generator.maxOverloadedWindowsPct) had its event-loop p99 or CPU over their bounds or, in the open model, fewer requests issued than the timetable had due.',
  failsWhen:
    'The generator was overloaded too often, so the latencies and rates measured are the generator’s, not the target’s. A fail in the open model; only a warn in the closed model, where a saturated generator is expected.',
  fix: 'Give the generator more room: fewer connections or a lower rate, more workers (--workers), a less busy machine, or several machines through a k6 export.',
  severity: 'blocking',
  proof: {
    exempt:
      'judges the load generator, not the target: proven by starving the generator (SHAKEDOWN_LOAD_STARVE_MS) in test/e2e/load.e2e.test.ts.',
  },
});

export const noErrorsCheck = defineCheck(import.meta.url, {
  id: 'load.no-errors',
  title: 'No server errors or failed connections under load',
  verifies:
    'Under load, at most 0.1 % of requests get a 5xx or no answer at all (refused, reset, timed out).',
  failsWhen: 'More requests than that get a 5xx or no answer, or no request was answered at all.',
  fix: 'Find the first errors in the evidence and the target’s log: often a pool, queue or guard sized for less traffic than it gets. Size it for the load, or shed load with a 429 or 503 that the spec documents.',
  severity: 'blocking',
  proof: { faults: ['load-overload-503'] },
});

export const latencyDriftCheck = defineCheck(import.meta.url, {
  id: 'load.latency-drift',
  title: 'No latency drift over the load',
  verifies:
    'The median latency of the last fifth of the windows after warm-up is not both 1.5 times and 20 ms above that of the first fifth.',
  failsWhen:
    'Latency grows with the requests served (state that grows with every request: a cache without bounds, a growing list or table scan, leaked timers). Fewer than two windows after warm-up skip.',
  fix: 'Compare heap or CPU profiles taken early and late in a run, and bound whatever grows with every request.',
  severity: 'blocking',
  proof: { faults: ['load-latency-leak'] },
});

export const thresholdsCheck = defineCheck(import.meta.url, {
  id: 'load.thresholds',
  title: 'Load thresholds hold',
  verifies:
    'Every k6-style threshold on the load metrics (the thresholds of the config’s load section, and its top-level thresholds on them, e.g. http_req_duration p(99)<500) holds over the run after warm-up, or in every window for the window form. Imported k6 results are judged the same way.',
  failsWhen:
    'A threshold is crossed (one result per threshold), or an abortOnFail threshold stopped the run.',
  fix: 'Look up in the report’s timeline when the metric crossed: periodic spikes point at stalls (a blocked event loop, garbage collection, a lock), a steady rise at saturation.',
  severity: 'blocking',
  proof: { faults: ['load-stall'] },
});

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
    return generatorHealthyCheck.result(
      // In the closed model a saturated generator is expected (it sends as fast as it can): the
      // throughput is then the generator's limit as much as the target's, worth a warning, not a lie.
      ok ? 'pass' : open ? 'fail' : 'warn',
      `${this.#overloadedCount} of ${this.#generatorWindows} windows after warm-up had the generator's ${bounds} (${share.toFixed(0)}%, allowed ${maxOverloadedWindowsPct}%)${ok ? '' : open ? ': generator overloaded, results not trustworthy' : ': the throughput measured may be the generator’s limit, not the target’s'}.`,
      {
        evidence: {
          bounds: this.#plan.generator,
          windows: this.#generatorWindows,
          overloadedWindows: this.#overloadedCount,
          offenders: this.#overloaded,
        },
      },
    );
  }

  #noErrors(totals: RunTotals): CheckResult {
    const requests = totals.counter('http_reqs') ?? 0;
    const serverErrors = totals.counter('http_server_errors') ?? 0;
    const transportErrors = totals.counter('http_transport_errors') ?? 0;
    const evidence = { requests, serverErrors, transportErrors, maxErrorRate: this.#plan.maxErrorRate };
    if (requests === 0)
      return noErrorsCheck.fail('no request was answered or failed: nothing was measured.', evidence);
    const rate = (serverErrors + transportErrors) / requests;
    const ok = rate <= this.#plan.maxErrorRate;
    return noErrorsCheck.result(
      ok ? 'pass' : 'fail',
      `${serverErrors} answers with a 5xx status and ${transportErrors} requests without an answer (refused, reset, timed out) out of ${requests} (${(rate * 100).toFixed(3)}%, allowed ${this.#plan.maxErrorRate * 100}%).`,
      { evidence },
    );
  }

  #latencyDrift(totals: RunTotals): CheckResult {
    const n = this.#steadyWindows;
    const k = Math.max(1, Math.floor(n / 5));
    if (n < 2 || (totals.histogram('http_req_duration')?.count ?? 0) === 0)
      return latencyDriftCheck.skip(
        `not enough to compare: ${n} window${n === 1 ? '' : 's'} after warm-up (2 or more needed).`,
      );
    const first = Histogram.decodeAll(this.#driftFirst.slice(0, k));
    const last = Histogram.decodeAll(this.#driftLast.slice(-k));
    // The median, not p95: a leak moves every request, while one slow burst only moves the tail.
    const drift = compareDrift(first.percentile(50), last.percentile(50), {
      maxFactor: this.#plan.drift.maxFactor,
      minDelta: this.#plan.drift.minDeltaMs,
    });
    const span = `the first ${k} and last ${k} of ${n} windows`;
    return latencyDriftCheck.result(
      drift.drifted ? 'fail' : 'pass',
      `median http_req_duration went from ${round3(drift.earlier)} ms to ${round3(drift.later)} ms between ${span} (×${drift.factor.toFixed(2)}, ${drift.delta >= 0 ? '+' : ''}${round3(drift.delta)} ms; fails above ×${this.#plan.drift.maxFactor} and +${this.#plan.drift.minDeltaMs} ms).`,
      { evidence: { ...drift, windowsCompared: k, steadyWindows: n, bounds: this.#plan.drift } },
    );
  }
}
