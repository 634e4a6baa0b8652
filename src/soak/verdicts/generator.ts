import type { MergedWindow } from '../../metrics/aggregate.ts';
import { round3 } from '../../metrics/histogram.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { SoakPlan } from '../plan.ts';
import { OFFENDERS_KEPT, type WindowNote } from './offenders.ts';

export const generatorHealthyCheck = defineCheck(import.meta.url, {
  id: 'soak.generator-healthy',
  title: 'Load generator healthy',
  verifies:
    "Shakedown's own worker threads kept up: their event-loop p99 and CPU stayed under soak.generator's bounds in enough windows after warm-up, so the latencies measured are the target's.",
  failsWhen:
    "More than soak.generator.maxOverloadedWindowsPct of the windows had the generator's event loop or CPU over its bound; the run then ends as an error, not a pass.",
  fix: 'Give the harness more room: more soak.workers, fewer sessions or events per second per worker, or a machine not shared with the target.',
  severity: 'blocking',
  proof: {
    exempt:
      'judges the load generator, not the target: test/e2e/soak.e2e.test.ts starves the generator (SHAKEDOWN_SOAK_STARVE_MS) and asserts this check fails and the run is an error',
  },
});

/** Counts the windows after warm-up in which the generator was overloaded, keeping the first few. */
export class GeneratorJudge {
  readonly #bounds: SoakPlan['generator'];
  #windows = 0;
  #overloadedCount = 0;
  readonly #offenders: WindowNote[] = [];

  constructor(plan: SoakPlan) {
    this.#bounds = plan.generator;
  }

  addWindow(window: MergedWindow): void {
    const { maxEventLoopP99Ms, maxCpuPct } = this.#bounds;
    const loopP99Ms = window.gauges.get('generator_event_loop_p99_ms') ?? 0;
    const cpuPct = window.gauges.get('generator_cpu_pct') ?? 0;
    this.#windows += 1;
    if (loopP99Ms > maxEventLoopP99Ms || cpuPct > maxCpuPct) {
      this.#overloadedCount += 1;
      if (this.#offenders.length < OFFENDERS_KEPT)
        this.#offenders.push({
          startMs: window.startMs,
          endMs: window.endMs,
          eventLoopP99Ms: round3(loopP99Ms),
          cpuPct: round3(cpuPct),
        });
    }
  }

  get overloaded(): boolean {
    return this.#windows > 0 && this.#overloadedShare() > this.#bounds.maxOverloadedWindowsPct;
  }

  result(): CheckResult {
    const bounds = this.#bounds;
    const share = this.#windows > 0 ? this.#overloadedShare() : 0;
    const ok = !this.overloaded;
    return generatorHealthyCheck.result(
      ok ? 'pass' : 'fail',
      `${this.#overloadedCount} of ${this.#windows} windows after warm-up had the generator's event-loop p99 above ${bounds.maxEventLoopP99Ms} ms or its CPU above ${bounds.maxCpuPct}% (${share.toFixed(0)}%, allowed ${bounds.maxOverloadedWindowsPct}%)${ok ? '' : ': generator overloaded, results not trustworthy'}.`,
      {
        evidence: {
          bounds,
          windows: this.#windows,
          overloadedWindows: this.#overloadedCount,
          offenders: this.#offenders,
        },
      },
    );
  }

  #overloadedShare(): number {
    return (this.#overloadedCount / this.#windows) * 100;
  }
}
