import type { MergedWindow, RunTotals } from '../../metrics/aggregate.ts';
import type { Check } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { SoakPlan } from '../plan.ts';
import type { ReplicaOrigin, ResourceSample, ResourceSource } from '../server-resources.ts';
import { soakThresholdsCheck } from '../threshold-tracker.ts';
import { disconnectsResult } from './disconnects.ts';
import { EventLossJudge } from './event-loss.ts';
import { GeneratorJudge } from './generator.ts';
import { LatencyDriftJudge, latencyDriftCheck } from './latency-drift.ts';
import { MemoryLeakJudge, memoryLeakCheck } from './memory-leak.ts';
import { SessionsHeldJudge, sessionsHeldCheck } from './sessions-held.ts';

/** The checks judged on a time series: with the target gone, their data stopped (`unlessDataStopped`). */
export const JUDGED_OVER_TIME: readonly Check[] = [
  memoryLeakCheck,
  latencyDriftCheck,
  sessionsHeldCheck,
  soakThresholdsCheck,
];

/** Where a window sits in the plan: warm-up, steady state (judged), ramp-down, or the final drain. */
export interface WindowPhase {
  afterWarmup: boolean;
  /** After warm-up and ramp-up, before ramp-down: what sessions-held, drift and leak judge. */
  steady: boolean;
  /** The short window after the run while the last acks drain. */
  drain: boolean;
}

/**
 * Builds the soak's verdicts window by window. Each check has its own accumulator in this folder,
 * declared and judged there (`soak.memory-leak` in `memory-leak.ts`); this feeds them the windows
 * their checks judge and collects their results. Each keeps only running fits, counts and a bounded
 * list of offending windows, so a long soak does not grow the harness's memory. The thresholds are
 * judged by `../threshold-tracker.ts`.
 */
export class SoakJudge {
  readonly #plan: SoakPlan;
  readonly #loss: EventLossJudge;
  readonly #generator: GeneratorJudge;
  readonly #held: SessionsHeldJudge;
  readonly #drift: LatencyDriftJudge;
  readonly #memory: MemoryLeakJudge;

  constructor(plan: SoakPlan) {
    this.#plan = plan;
    this.#loss = new EventLossJudge(plan);
    this.#generator = new GeneratorJudge(plan);
    this.#held = new SessionsHeldJudge(plan);
    this.#drift = new LatencyDriftJudge(plan);
    this.#memory = new MemoryLeakJudge(plan);
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
    this.#memory.setResourceSource(source, origin, replicas);
  }

  /** Server memory samples in the steady state feed the leak fits, per replica when there are replicas. */
  addResourceSample(sample: ResourceSample): void {
    this.#memory.addResourceSample(sample);
  }

  /** Losses count in every window; the generator after warm-up; the rest in the steady state only. */
  addWindow(window: MergedWindow, phase: WindowPhase): void {
    this.#loss.addWindow(window);
    if (phase.drain) return;
    if (phase.afterWarmup) this.#generator.addWindow(window);
    if (!phase.steady) return;
    this.#held.addWindow(window);
    this.#drift.addWindow(window);
    this.#memory.addWindow(window);
  }

  get overloaded(): boolean {
    return this.#generator.overloaded;
  }

  checks(totals: RunTotals): CheckResult[] {
    return [
      this.#loss.result(totals),
      disconnectsResult(totals, this.#plan),
      this.#memory.result(),
      this.#drift.result(totals),
      this.#generator.result(),
      this.#held.result(totals),
    ];
  }
}
