import type { MergedWindow } from '../../metrics/aggregate.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import { judgeSignal, type LeakVerdict, milder, type SignalJudgement, signed } from '../leak.ts';
import type { SoakPlan } from '../plan.ts';
import type { ReplicaOrigin, ResourceSample, ResourceSource } from '../server-resources.ts';
import { MemorySeries, SteadyWork } from './memory-series.ts';

export const memoryLeakCheck = defineCheck(import.meta.url, {
  id: 'soak.memory-leak',
  title: 'No server memory leak',
  verifies:
    "The target's memory (RSS, and the heap it holds where its metrics expose one) does not keep growing over the steady state: a fitted trend over soak.leak's slope and growth bounds that is still growing in the last third is a leak; growth that levels off is settling.",
  failsWhen:
    'Memory grows past both bounds and keeps growing at the end of the run (on any replica of a composed stack); it warns while growth is slowing but not yet within the bounds.',
  fix: 'Take heap snapshots early and late in a long run and compare what accumulates: per-session or per-message state never released, listeners or timers never removed, caches without a bound.',
  severity: 'blocking',
  proof: { faults: ['soak-leak'] },
});

const MiB = 1024 * 1024;

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
 * Fits the server's memory over the steady state in constant memory, per replica on a stack with
 * replicas, and judges it against the work done at the time.
 */
export class MemoryLeakJudge {
  readonly #plan: SoakPlan;
  /** The target's memory; on a stack with replicas, each replica's instead. */
  readonly #memory: MemorySeries;
  readonly #replicas = new Map<string, { origin: string; memory: MemorySeries }>();
  readonly #work: SteadyWork;
  #source: ResourceSource = 'none';
  #origin = '';

  constructor(plan: SoakPlan) {
    this.#plan = plan;
    this.#memory = this.#newSeries();
    this.#work = new SteadyWork(plan);
  }

  /** `replicas`: the stack's replicas, each judged on its own memory (any one leaking fails the check). */
  setResourceSource(source: ResourceSource, origin: string, replicas: readonly ReplicaOrigin[] = []): void {
    this.#source = source;
    this.#origin = origin;
    this.#replicas.clear();
    for (const r of replicas) this.#replicas.set(r.service, { origin: r.origin, memory: this.#newSeries() });
  }

  /** Server memory samples in the steady state feed the fits, per replica when there are replicas. */
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

  /** A steady window closed: its work counts, and each series takes its held-memory floor. */
  addWindow(window: MergedWindow): void {
    this.#work.addWindow(window);
    this.#memory.closeWindow();
    for (const replica of this.#replicas.values()) replica.memory.closeWindow();
  }

  result(): CheckResult {
    if (this.#source === 'none') {
      return memoryLeakCheck.skip(
        'no server resource source: the target has no Prometheus endpoint at soak.metricsPath and the stack has no local PID to sample.',
      );
    }
    if (this.#replicas.size > 0) return this.#replicasResult();
    const memory = this.#judge(this.#memory);
    if (!memory) {
      return memoryLeakCheck.skip(
        `fewer than 3 server memory samples after warm-up (${this.#memory.rss.n}): the steady state is too short to fit a trend.`,
        { source: this.#source, origin: this.#origin },
      );
    }
    const signal = memory.retained ?? memory.rss;
    return memoryLeakCheck.result(memory.verdict, `${memory.summary}.`, {
      evidence: {
        source: this.#source,
        origin: this.#origin,
        bounds: this.#plan.leak,
        steadyFromMs: this.#plan.steadyFromMs,
        judged: memory.judged,
        // The judged signal's late growth per unit of work: a leak scales with work, settling does not.
        ...this.#work.perWork((signal.late ?? signal).slopeBytesPerMin),
        rss: memory.rss,
        ...(memory.retained ? { retained: memory.retained } : {}),
      },
    });
  }

  /** Every replica judged on its own memory: one leaking replica fails the check, and is named. */
  #replicasResult(): CheckResult {
    const judged = [...this.#replicas].map(([service, { origin, memory }]) => ({
      service,
      origin,
      samples: memory.rss.n,
      memory: this.#judge(memory),
    }));
    const leaking = judged.filter((j) => j.memory?.verdict === 'fail').map((j) => j.service);
    const settling = judged.filter((j) => j.memory?.verdict === 'warn').map((j) => j.service);
    const evidence = {
      source: this.#source,
      origin: this.#origin,
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
      return memoryLeakCheck.skip(
        `fewer than 3 memory samples after warm-up from every replica (${judged.map((j) => `${j.service} ${j.samples}`).join(', ')}): the steady state is too short to fit a trend.`,
        evidence,
      );
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
    return memoryLeakCheck.result(
      leaking.length > 0 ? 'fail' : settling.length > 0 ? 'warn' : 'pass',
      `${head}. ${each.join('. ')}.`,
      { evidence },
    );
  }

  /**
   * RSS is what gets a process killed; the memory the program holds tells a leak from the allocator
   * or the runtime growing its heap in steps early in a run, which RSS alone cannot. Where the target
   * exposes its heap, both must show the leak; a Python service (RSS only) is judged on RSS.
   */
  #judge(memory: MemorySeries): MemoryVerdict | null {
    const bounds = this.#plan.leak;
    const work = this.#work.thirds();
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

  #newSeries(): MemorySeries {
    return new MemorySeries((this.#plan.steadyToMs - this.#plan.steadyFromMs) / 60_000);
  }
}
