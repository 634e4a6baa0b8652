import { describe, expect, it } from 'vitest';
import { type PromSample, parsePrometheusText } from '../../../src/metrics/prometheus.ts';
import { judgeSignal, type LeakBounds, SegmentedTrend } from '../../../src/soak/leak.ts';
import { heapOf } from '../../../src/soak/server-resources.ts';

const MiB = 1024 * 1024;
const DEFAULTS: LeakBounds = { maxSlopeBytesPerMin: MiB, maxGrowthPct: 10, settleRatio: 0.6 };

/** Deterministic jitter of ±amplitude bytes, like a scraped RSS that moves by pages. */
const jitter = (i: number, amplitude: number) => (((i * 7919) % 101) / 50 - 1) * amplitude;

/** One sample per second over `steadySec`, from `bytesAt(seconds)`, judged with `bounds`. */
function judge(steadySec: number, bytesAt: (sec: number) => number, bounds = DEFAULTS) {
  const series = new SegmentedTrend(steadySec / 60);
  for (let sec = 0; sec <= steadySec; sec += 1) series.add(sec / 60, bytesAt(sec) + jitter(sec, 0.2 * MiB));
  return judgeSignal(series, 'RSS', bounds)!;
}

/**
 * Settling as measured on a healthy Python service under session churn (issue 14): RSS rises fast and
 * ever slower (allocator arenas, per-connection buffers): +3.6 MiB/min and +14 % over a 120 s run
 * with 24 s of warm-up, +1.6 MiB/min over a 360 s run with 60 s of warm-up. `warmedSec`: how long
 * the process had run when the steady state began.
 */
const settling =
  (warmedSec: number, amplitude = 5 * MiB) =>
  (sec: number) =>
    36 * MiB + amplitude * Math.log(1 + (sec + warmedSec) / 20);

describe('soak.memory-leak statistics on recorded series', () => {
  it('passes memory that grows, then plateaus, once the run is long enough to see it level off', () => {
    const verdict = judge(300, settling(60));
    // The whole-span slope alone (the old verdict) calls this a leak.
    expect(verdict.leaking).toBe(true);
    expect(verdict.verdict, verdict.reason).toBe('pass');
    expect(verdict.reason).toMatch(/^grew, then settled: last third/);
    expect(verdict.late!.slopeBytesPerMin).toBeLessThan(MiB);
  });

  it('passes the 120 s run too: its last third, kept up as long as the run, stays within the bounds', () => {
    const verdict = judge(96, settling(24));
    expect(verdict.leaking).toBe(true);
    expect(verdict.verdict, verdict.reason).toBe('pass');
  });

  it('warns "still settling" with the run length that would tell, when settling is still fast at the end', () => {
    const verdict = judge(96, settling(24, 12 * MiB));
    expect(verdict.leaking).toBe(true);
    expect(verdict.verdict, verdict.reason).toBe('warn');
    expect(verdict.lateToEarly).toBeLessThan(0.6);
    expect(verdict.runAtLeastMin).toBeGreaterThan(2);
    expect(verdict.reason).toContain(`still settling`);
    expect(verdict.reason).toContain(`run ≥ ${verdict.runAtLeastMin} minutes`);
  });

  it('fails a modest sustained leak (6 MiB/min, a tenth of the issue’s real one) in a short run', () => {
    const verdict = judge(60, (sec) => 40 * MiB + (6 * MiB * sec) / 60);
    expect(verdict.verdict, verdict.reason).toBe('fail');
    expect(verdict.reason).toMatch(/keeps growing: last third \+\d\.\d\d MiB\/min vs first third/);
    expect(verdict.slopeBytesPerMin / MiB).toBeCloseTo(6, 0);
  });

  it('fails a leak on top of settling once the settling is over', () => {
    const verdict = judge(300, (sec) => settling(60)(sec) + (3 * MiB * sec) / 60);
    expect(verdict.verdict, verdict.reason).toBe('fail');
  });

  it('compares growth per event: a leak whose traffic halved in the last third still fails', () => {
    // 8 MiB/min while 1,500 events/min arrive, then half the traffic and half the growth.
    const bytesAt = (sec: number) =>
      40 * MiB + (8 * MiB * Math.min(sec, 80)) / 60 + (4 * MiB * Math.max(0, sec - 80)) / 60;
    const series = new SegmentedTrend(2);
    for (let sec = 0; sec <= 120; sec += 1) series.add(sec / 60, bytesAt(sec) + jitter(sec, 0.2 * MiB));
    expect(judgeSignal(series, 'RSS', DEFAULTS)?.verdict).toBe('warn');
    const perEvent = judgeSignal(series, 'RSS', DEFAULTS, { earlyPerMin: 1500, latePerMin: 750 })!;
    expect(perEvent.verdict, perEvent.reason).toBe('fail');
    expect(perEvent.lateToEarly).toBeCloseTo(1, 1);
  });

  it('keeps the configured bounds: a 2 MiB/min growth passes under maxSlopeBytesPerMin 4 MiB', () => {
    const leak = (sec: number) => 10 * MiB + (2 * MiB * sec) / 60;
    expect(judge(60, leak).verdict).toBe('fail');
    expect(judge(60, leak, { ...DEFAULTS, maxSlopeBytesPerMin: 4 * MiB }).verdict).toBe('pass');
  });

  it('treats a flat series as no leak', () => {
    expect(judge(120, () => 80 * MiB)).toMatchObject({ verdict: 'pass', leaking: false });
  });
});

describe('heap signal from /metrics', () => {
  const heap = (text: string): ReturnType<typeof heapOf> => heapOf(parsePrometheusText(text) as PromSample[]);

  it('reads the heap of Node, Go and the JVM, and none from a Python process', () => {
    expect(heap('nodejs_heap_size_used_bytes 1000\nprocess_resident_memory_bytes 9000')).toEqual({
      heapBytes: 1000,
      heapMetric: 'nodejs_heap_size_used_bytes',
    });
    expect(heap('go_memstats_heap_alloc_bytes 2000\ngo_memstats_sys_bytes 8000')).toEqual({
      heapBytes: 2000,
      heapMetric: 'go_memstats_heap_alloc_bytes',
    });
    expect(
      heap(
        [
          'jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 300',
          'jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 700',
          'jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5000',
        ].join('\n'),
      ),
    ).toEqual({ heapBytes: 1000, heapMetric: 'jvm_memory_used_bytes{area="heap"}' });
    expect(
      heap('process_resident_memory_bytes 9000\npython_gc_objects_collected_total{generation="0"} 5'),
    ).toEqual({});
  });
});
