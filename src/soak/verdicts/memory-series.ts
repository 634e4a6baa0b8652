import type { MergedWindow } from '../../metrics/aggregate.ts';
import { round3 } from '../../metrics/histogram.ts';
import { SegmentedTrend, type ThirdsWork } from '../leak.ts';
import type { SoakPlan } from '../plan.ts';
import type { ResourceSample } from '../server-resources.ts';

/**
 * One server process's memory over the steady state: RSS sample by sample, and the memory the program
 * holds (heap used, plus external buffers where reported) by its floor in each window, i.e. after
 * the collector ran.
 */
export class MemorySeries {
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

/**
 * The work done in the steady state (events acknowledged, sessions started), in total and in its
 * first and last thirds: a leak grows with work, settling does not.
 */
export class SteadyWork {
  readonly #plan: SoakPlan;
  #events = 0;
  #sessions = 0;
  readonly #thirds = { earlyEvents: 0, earlyMin: 0, lateEvents: 0, lateMin: 0 };

  constructor(plan: SoakPlan) {
    this.#plan = plan;
  }

  addWindow(window: MergedWindow): void {
    const events = window.counter('events_acked') ?? 0;
    this.#events += events;
    this.#sessions += window.counter('sessions_started') ?? 0;
    const spanMin = this.#spanMin();
    const midMin = ((window.startMs + window.endMs) / 2 - this.#plan.steadyFromMs) / 60_000;
    const minutes = (window.endMs - window.startMs) / 60_000;
    if (midMin <= spanMin / 3) {
      this.#thirds.earlyEvents += events;
      this.#thirds.earlyMin += minutes;
    } else if (midMin >= (spanMin * 2) / 3) {
      this.#thirds.lateEvents += events;
      this.#thirds.lateMin += minutes;
    }
  }

  /** Events per minute in the first and last thirds, when both saw any time. */
  thirds(): ThirdsWork | undefined {
    const { earlyEvents, earlyMin, lateEvents, lateMin } = this.#thirds;
    if (earlyMin === 0 || lateMin === 0) return undefined;
    return { earlyPerMin: earlyEvents / earlyMin, latePerMin: lateEvents / lateMin };
  }

  /** A memory slope (bytes/min) per unit of work: per 1000 events and per session started. */
  perWork(slopeBytesPerMin: number): Record<string, number> {
    const minutes = this.#spanMin();
    const out: Record<string, number> = {};
    if (this.#events > 0)
      out.bytesPer1000Events = round3((slopeBytesPerMin / (this.#events / minutes)) * 1000);
    if (this.#sessions > 0) out.bytesPerSession = round3(slopeBytesPerMin / (this.#sessions / minutes));
    return out;
  }

  #spanMin(): number {
    return (this.#plan.steadyToMs - this.#plan.steadyFromMs) / 60_000;
  }
}
