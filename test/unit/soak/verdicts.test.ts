import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { MergedWindow, RunTotals } from '../../../src/metrics/aggregate.ts';
import { Histogram } from '../../../src/metrics/histogram.ts';
import { compileThresholds } from '../../../src/metrics/threshold-set.ts';
import { defineCheck } from '../../../src/run/checks.ts';
import type { CheckResult } from '../../../src/run/model.ts';
import type { SoakOptions } from '../../../src/soak/define.ts';
import { resolvePlan } from '../../../src/soak/plan.ts';
import { soakThresholdsCheck, ThresholdTracker } from '../../../src/soak/threshold-tracker.ts';
import { SoakJudge } from '../../../src/soak/verdicts/index.ts';

const MiB = 1024 * 1024;
const WINDOW_MS = 10_000;

interface SyntheticWindow {
  rttMs?: number[];
  sent?: number;
  lost?: number;
  disconnects?: number;
  activeAvg?: number;
  loopP99Ms?: number;
  cpuPct?: number;
  httpReqs?: number;
}

/**
 * Drives a SoakJudge and a ThresholdTracker with a synthetic run: 100 s, 20 s warm-up, 10 s windows,
 * 10 sessions, and one server memory sample per second from `memory(seconds)`.
 */
function run(
  windows: (index: number) => SyntheticWindow,
  memory: (sec: number) => { rss?: number; heap?: number; external?: number } | null,
  options: SoakOptions = {},
) {
  const plan = resolvePlan(
    { durationSec: 100, warmupSec: 20, rampUpSec: 5, windowSec: 10, sessions: 10, ...options },
    configSchema.parse({}).soak,
  );
  const judge = new SoakJudge(plan);
  judge.setResourceSource(memory(0) ? 'prometheus' : 'none', 'http://127.0.0.1/metrics');
  const totals = new RunTotals();
  const tracker = new ThresholdTracker(
    compileThresholds(
      { event_rtt_ms: ['p(95)<50', 'p(95)<50 over 20s'], events_lost_rate: ['rate<0.01'] },
      'script',
    ),
    WINDOW_MS,
  );
  for (let i = 0; i < 10; i += 1) {
    for (let sec = i * 10; sec < (i + 1) * 10; sec += 1) {
      const sample = memory(sec);
      if (sample)
        judge.addResourceSample({
          atMs: sec * 1000,
          rssBytes: sample.rss,
          heapBytes: sample.heap,
          externalBytes: sample.external,
        });
    }
    const w = {
      rttMs: Array<number>(10).fill(5),
      sent: 20,
      lost: 0,
      disconnects: 0,
      activeAvg: 10,
      loopP99Ms: 5,
      cpuPct: 10,
      httpReqs: 0,
      ...windows(i),
    };
    const window = new MergedWindow(i * WINDOW_MS, (i + 1) * WINDOW_MS);
    const rtt = new Histogram();
    for (const v of w.rttMs) rtt.record(v);
    window.histograms.set('event_rtt_ms', rtt);
    window.addCounter('events_sent', w.sent);
    window.addCounter('events_acked', w.sent - w.lost);
    window.addCounter('events_lost', w.lost);
    window.addCounter('disconnects', w.disconnects);
    if (w.httpReqs > 0) window.addCounter('http_reqs', w.httpReqs);
    window.addRate('events_lost_rate', w.lost, w.sent);
    window.gauges.set('sessions_active_avg', w.activeAvg);
    window.gauges.set('generator_event_loop_p99_ms', w.loopP99Ms);
    window.gauges.set('generator_cpu_pct', w.cpuPct);
    const phase = judge.phase(window.startMs, window.endMs);
    totals.add(window, phase.afterWarmup);
    judge.addWindow(window, phase);
    if (phase.afterWarmup) tracker.addWindow(window, window.endMs);
  }
  const checks = new Map<string, CheckResult>(judge.checks(totals).map((c) => [c.id, c]));
  return { checks, judge, thresholds: tracker.results(totals, null) };
}

const flatMemory = (sec: number) => ({
  rss: 120e6 + ((sec * 7919) % 13) * 100_000,
  heap: 30e6 + ((sec * 31) % 7) * 1e6,
});

describe('soak verdicts on synthetic runs', () => {
  it('passes a healthy run', () => {
    const { checks, judge, thresholds } = run(() => ({}), flatMemory);
    for (const check of checks.values()) expect(check.verdict, `${check.id}: ${check.message}`).toBe('pass');
    expect(thresholds.map((t) => t.verdict)).toEqual(['pass', 'pass', 'pass']);
    expect(judge.overloaded).toBe(false);
  });

  it('finds a leak when RSS and held memory grow 6 MiB/min, with the fitted line in the evidence', () => {
    const { checks } = run(
      () => ({}),
      (sec) => ({ rss: 60e6 + (6 * MiB * sec) / 60, heap: 30e6 + (6 * MiB * sec) / 60 }),
    );
    const leak = checks.get('soak.memory-leak')!;
    expect(leak.verdict).toBe('fail');
    const rss = leak.evidence?.rss as { slopeBytesPerMin: number; leaking: boolean; growthPct: number };
    expect(rss.slopeBytesPerMin / MiB).toBeCloseTo(6, 3);
    expect(rss.leaking).toBe(true);
    expect(rss.growthPct).toBeGreaterThan(10);
    expect(leak.message).toContain('both exceed the bound 1 MiB/min and 10% growth');
  });

  it('counts external buffers as held memory', () => {
    const { checks } = run(
      () => ({}),
      (sec) => ({ rss: 60e6 + (6 * MiB * sec) / 60, heap: 30e6, external: 1e6 + (6 * MiB * sec) / 60 }),
    );
    expect(checks.get('soak.memory-leak')?.verdict).toBe('fail');
  });

  it('does not call RSS steps a leak when the memory the program holds stays flat', () => {
    // RSS jumps 12 MB twice (heap sizing, allocator) while heap floor + external stay put.
    const { checks } = run(
      () => ({}),
      (sec) => ({ rss: 80e6 + (sec > 40 ? 12e6 : 0) + (sec > 70 ? 12e6 : 0), heap: 30e6 + (sec % 10) * 1e6 }),
    );
    const leak = checks.get('soak.memory-leak')!;
    expect(leak.verdict, leak.message).toBe('pass');
    expect(leak.message).toContain('RSS exceeds the bound 1 MiB/min and 10% growth but held memory does not');
  });

  it('judges on RSS alone when that is all there is (PID sampling)', () => {
    const { checks } = run(
      () => ({}),
      (sec) => ({ rss: 60e6 + (6 * MiB * sec) / 60 }),
    );
    expect(checks.get('soak.memory-leak')?.verdict).toBe('fail');
    expect(checks.get('soak.memory-leak')?.message).toContain('RSS exceeds the bound');
  });

  it('does not call a fast but small growth a leak (below 10% of the baseline)', () => {
    // 2 MiB/min on a 2 GB process: over the slope bound, far under the growth bound.
    const { checks } = run(
      () => ({}),
      (sec) => ({ rss: 2e9 + (2 * MiB * sec) / 60 }),
    );
    expect(checks.get('soak.memory-leak')?.verdict).toBe('pass');
  });

  it('skips the leak check without a resource source', () => {
    const { checks } = run(
      () => ({}),
      () => null,
    );
    expect(checks.get('soak.memory-leak')).toMatchObject({ verdict: 'skip' });
    expect(checks.get('soak.memory-leak')?.message).toContain('no server resource source');
  });

  it('finds latency drift: last fifth p95 3× the first fifth and 20 ms more', () => {
    const { checks } = run((i) => ({ rttMs: [10 + i * 3, 10 + i * 3] }), flatMemory);
    const drift = checks.get('soak.latency-drift')!;
    expect(drift.verdict).toBe('fail');
    expect(drift.evidence).toMatchObject({ windowsCompared: 1, steadyWindows: 8 });
    expect(drift.evidence?.firstP95Ms).toBeCloseTo(16, 0);
    expect(drift.evidence?.lastP95Ms).toBeCloseTo(37, 0);
  });

  // Per-window p95 on a busy 2-core machine (measured: a healthy target went 57 → 170 ms between the
  // first and the last window with nothing rising in between). Windows 0–1 are warm-up.
  const spiky = [60, 150, 40, 55, 90, 45, 70, 170];
  it('does not call one spiky last window drift: the per-window p95 must rise consistently', () => {
    const { checks } = run((i) => ({ rttMs: [spiky[Math.max(0, i - 2)]] }), flatMemory);
    const drift = checks.get('soak.latency-drift')!;
    expect(drift.verdict, drift.message).toBe('pass');
    expect(drift.evidence).toMatchObject({
      firstP95Ms: expect.closeTo(60, 0),
      lastP95Ms: expect.closeTo(170, 0),
    });
    expect(drift.evidence?.trend).toMatchObject({ mannKendallZ: expect.any(Number) });
    expect((drift.evidence!.trend as { mannKendallZ: number }).mannKendallZ).toBeLessThan(1.645);
    expect(drift.message).toContain('showed no consistent rise');
  });

  it('still finds drift whose first window spiked: the rise is read off the fitted line', () => {
    const rising = [300, 60, 100, 140, 180, 220, 260, 300];
    const { checks } = run((i) => ({ rttMs: [rising[Math.max(0, i - 2)]] }), flatMemory);
    const drift = checks.get('soak.latency-drift')!;
    expect(drift.verdict, drift.message).toBe('fail');
    // The two ends alone (300 → 300 ms) would have hidden it.
    expect(drift.evidence).toMatchObject({
      firstP95Ms: expect.closeTo(300, 0),
      lastP95Ms: expect.closeTo(300, 0),
    });
    expect(drift.evidence?.factor).toBeGreaterThan(1.5);
    expect(drift.message).toContain('rose consistently');
  });

  it('ignores a large factor on small latencies (under the 5 ms floor)', () => {
    const { checks } = run((i) => ({ rttMs: [i < 5 ? 1 : 4] }), flatMemory);
    expect(checks.get('soak.latency-drift')?.verdict).toBe('pass');
  });

  it('fails on lost events and on unexpected disconnects', () => {
    const { checks, thresholds } = run((i) => (i === 6 ? { lost: 3, disconnects: 2 } : {}), flatMemory);
    expect(checks.get('soak.no-event-loss')).toMatchObject({ verdict: 'fail' });
    expect(checks.get('soak.no-event-loss')?.evidence).toMatchObject({ sent: 200, lost: 3 });
    expect(checks.get('soak.no-event-loss')?.evidence?.windowsWithLoss).toEqual([
      { startMs: 60_000, endMs: 70_000, lost: 3, sent: 20 },
    ]);
    expect(checks.get('soak.no-unexpected-disconnects')).toMatchObject({ verdict: 'fail' });
    expect(thresholds[2]).toMatchObject({
      verdict: 'fail',
      evidence: { threshold: { metric: 'events_lost_rate', observed: 0.015 } },
    });
  });

  it('allows losses and disconnects up to the configured bounds', () => {
    const { checks } = run((i) => (i === 6 ? { lost: 3, disconnects: 2 } : {}), flatMemory, {
      maxLostRate: 0.02,
      maxUnexpectedDisconnects: 2,
    });
    expect(checks.get('soak.no-event-loss')?.verdict).toBe('pass');
    expect(checks.get('soak.no-unexpected-disconnects')?.verdict).toBe('pass');
  });

  it('fails a run that sent nothing', () => {
    const { checks } = run(() => ({ sent: 0, rttMs: [] }), flatMemory);
    expect(checks.get('soak.no-event-loss')?.message).toContain('no events were sent');
    expect(checks.get('soak.no-event-loss')?.verdict).toBe('fail');
  });

  it('skips event loss for a script that only sends HTTP requests: there is nothing to lose', () => {
    const { checks } = run(() => ({ sent: 0, rttMs: [], httpReqs: 50 }), flatMemory);
    expect(checks.get('soak.no-event-loss')).toMatchObject({ verdict: 'skip' });
    expect(checks.get('soak.no-event-loss')?.message).toContain('HTTP only');
  });

  it('calls the generator overloaded when more than 10% of windows after warm-up lag or burn CPU', () => {
    const once = run((i) => (i === 4 ? { loopP99Ms: 80 } : {}), flatMemory);
    expect(once.judge.overloaded).toBe(true);
    expect(once.checks.get('soak.generator-healthy')?.message).toContain('1 of 8 windows');
    const cpu = run((i) => (i >= 7 ? { cpuPct: 95 } : {}), flatMemory);
    expect(cpu.checks.get('soak.generator-healthy')).toMatchObject({ verdict: 'fail' });
    const warmupOnly = run((i) => (i < 2 ? { loopP99Ms: 500, cpuPct: 100 } : {}), flatMemory);
    expect(warmupOnly.judge.overloaded).toBe(false);
  });

  it('fails sessions-held when a window after ramp-up averages off target by more than 5%', () => {
    const { checks } = run(
      (i) => (i === 5 ? { activeAvg: 9.3 } : i === 1 ? { activeAvg: 2 } : {}),
      flatMemory,
    );
    const held = checks.get('soak.sessions-held')!;
    expect(held.verdict).toBe('fail');
    expect(held.evidence?.offenders).toEqual([
      { startMs: 50_000, endMs: 60_000, activeAvg: 9.3, deviationPct: 7 },
    ]);
  });

  it('judges window thresholds on every span after warm-up', () => {
    const { thresholds } = run((i) => (i === 8 ? { rttMs: [5, 500] } : {}), flatMemory);
    const [whole, windowed] = thresholds;
    expect(whole.verdict).toBe('pass');
    expect(windowed.verdict).toBe('fail');
    expect(windowed.message).toContain('in 2 of 7 2-window spans of 20 s');
    expect(windowed.evidence?.threshold).toMatchObject({ stat: 'p(95)', op: '<', value: 50, window: 20 });
    expect((windowed.evidence!.threshold as { observed: number }).observed).toBeCloseTo(500, -1);
  });
});

describe('threshold tracker', () => {
  const window = (startMs: number, rtt: number) => {
    const w = new MergedWindow(startMs, startMs + WINDOW_MS);
    const h = new Histogram();
    h.record(rtt);
    w.histograms.set('event_rtt_ms', h);
    w.addCounter('events_sent', 10);
    return w;
  };

  it('asks to abort on an abortOnFail threshold only after its delay', () => {
    const specs = compileThresholds(
      {
        event_rtt_ms: [
          { threshold: 'p(95)<100', abortOnFail: true, delayAbortSec: 30 },
          'p(99)<100 over 10s',
        ],
      },
      'script',
    );
    const tracker = new ThresholdTracker(specs, WINDOW_MS);
    const totals = new RunTotals();
    const w = window(0, 400);
    totals.add(w, true);
    tracker.addWindow(w, 10_000);
    expect(tracker.brokenSoFar(totals, 10_000)).toEqual([]);
    expect(tracker.brokenSoFar(totals, 30_000)).toEqual([specs[0]]);
    const results = tracker.results(totals, specs[0]);
    expect(results[0].message).toContain('It aborted the run (abortOnFail)');
  });

  it('judges a run shorter than the span as a whole', () => {
    const specs = compileThresholds({ event_rtt_ms: ['p(95)<100 over 60s'] }, 'script');
    const tracker = new ThresholdTracker(specs, WINDOW_MS);
    const totals = new RunTotals();
    for (const w of [window(0, 20), window(10_000, 30)]) {
      totals.add(w, true);
      tracker.addWindow(w, w.endMs);
    }
    const [result] = tracker.results(totals, null);
    expect(result.verdict).toBe('pass');
    expect(result.message).toContain('shorter than one 60 s span');
  });

  it('fails a script threshold on an unknown metric, skips a config one', () => {
    const tracker = new ThresholdTracker(
      [
        ...compileThresholds({ evnet_rtt_ms: ['p(95)<1'] }, 'script'),
        ...compileThresholds({ http_req_duration: ['p(95)<1'] }, 'config'),
      ],
      WINDOW_MS,
    );
    const totals = new RunTotals();
    totals.add(window(0, 5), true);
    const [typo, other] = tracker.results(totals, null);
    expect(typo).toMatchObject({ verdict: 'fail' });
    expect(typo.message).toContain('no samples of evnet_rtt_ms were recorded');
    expect(other).toMatchObject({ verdict: 'skip' });
    expect(other.evidence?.threshold).toMatchObject({ metric: 'http_req_duration', observed: null });
  });

  it("makes its results through the engine's check: soak's by default, or the one given", () => {
    const example = defineCheck(import.meta.url, {
      id: 'example.thresholds',
      title: 'Example thresholds hold',
      verifies: 'Thresholds of an example engine.',
      failsWhen: 'A threshold is broken.',
      fix: 'Fix what is slow.',
      severity: 'blocking',
      proof: { exempt: 'a unit-test check' },
    });
    const specs = compileThresholds({ nope_ms: ['p(95)<1'] }, 'config');
    const totals = new RunTotals();
    totals.add(window(0, 5), true);
    const [soak] = new ThresholdTracker(specs, WINDOW_MS).results(totals, null);
    expect(soak).toMatchObject({ id: soakThresholdsCheck.id, title: 'nope_ms: p(95)<1', verdict: 'skip' });
    expect(soak.message).toContain('by this soak;');
    const [result] = new ThresholdTracker(specs, WINDOW_MS, example).results(totals, null);
    expect(result).toMatchObject({ id: 'example.thresholds', title: 'nope_ms: p(95)<1', verdict: 'skip' });
    expect(result.message).toContain('by this example;');
  });
});
