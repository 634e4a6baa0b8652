import { describe, expect, it } from 'vitest';
import { MergedWindow, RunTotals, WindowSpan } from '../../../src/metrics/aggregate.ts';
import { HDR_SCALE, Histogram } from '../../../src/metrics/histogram.ts';
import { MetricSet } from '../../../src/metrics/metric-set.ts';
import { parsePrometheusText, promValue } from '../../../src/metrics/prometheus.ts';

const sumOrMax = (name: string) => (name === 'sessions_active' ? 'sum' : 'max') as 'sum' | 'max';

describe('Histogram', () => {
  it('keeps 3 significant digits from microseconds to an hour', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i += 1) h.record(i / 10);
    expect(h.count).toBe(1000);
    expect(h.percentile(50)).toBeCloseTo(50, 0);
    expect(h.percentile(99)).toBeCloseTo(99, 0);
    expect(h.min).toBeCloseTo(0.1, 3);
    expect(h.max).toBeCloseTo(100, 0);
    h.record(0.0004);
    expect(h.min).toBe(1 / HDR_SCALE);
    h.record(10 * 3_600_000);
    expect(h.max).toBeCloseTo(3_600_000, -4);
  });

  it('survives base64 and merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 100; i += 1) a.record(1);
    for (let i = 0; i < 100; i += 1) b.record(1000);
    const merged = Histogram.decode(a.encode());
    merged.add(Histogram.decode(b.encode()));
    expect(merged.count).toBe(200);
    expect(merged.percentile(25)).toBeCloseTo(1, 2);
    expect(merged.percentile(75)).toBeCloseTo(1000, -1);
    const summary = merged.summary({ withHdr: true });
    expect(summary).toMatchObject({ count: 200, min: 1 });
    expect(Histogram.decode(summary.hdr!).count).toBe(200);
  });

  it('summarises an empty histogram as zeros', () => {
    expect(new Histogram().summary()).toEqual({
      count: 0,
      min: 0,
      max: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
    });
  });
});

describe('MetricSet → MergedWindow → RunTotals', () => {
  function workerWindow(rttMs: number[], sent: number, active: number, cpu: number) {
    const set = new MetricSet();
    for (const v of rttMs) set.record('event_rtt_ms', v);
    set.add('events_sent', sent);
    set.addLabelled('disconnects', 'reason', 'transport close');
    set.gauge('sessions_active', active);
    set.gauge('generator_cpu_pct', cpu);
    set.rate('http_req_failed', false);
    set.rate('http_req_failed', true);
    return set.take();
  }

  it('merges workers: counters and rates add, gauges sum or take the max, histograms combine', () => {
    const window = MergedWindow.merge(
      0,
      10_000,
      [workerWindow([1, 2], 10, 3, 40), workerWindow([3, 4], 5, 4, 70)],
      sumOrMax,
    );
    expect(window.histogram('event_rtt_ms')?.count).toBe(4);
    expect(window.counter('events_sent')).toBe(15);
    expect(window.counter('disconnects{reason=transport close}')).toBe(2);
    expect(window.gauges.get('sessions_active')).toBe(7);
    expect(window.gauges.get('generator_cpu_pct')).toBe(70);
    expect(window.rate('http_req_failed')).toBe(0.5);
    const snapshot = window.snapshot();
    expect(snapshot.histograms.event_rtt_ms).toMatchObject({ count: 4, min: 1 });
    // HDR keeps 3 significant digits: the max is the top of its bucket.
    expect(snapshot.histograms.event_rtt_ms.max).toBeCloseTo(4, 2);
    expect(Histogram.decode(snapshot.histograms.event_rtt_ms.hdr!).count).toBe(4);
    expect(snapshot.rates).toEqual({ http_req_failed: 0.5 });
  });

  it('starts a new window after take(), keeping gauges', () => {
    const set = new MetricSet();
    set.add('events_sent', 3);
    set.gauge('sessions_active', 2);
    set.record('event_rtt_ms', 5);
    set.take();
    expect(set.take()).toEqual({ histograms: {}, counters: {}, gauges: { sessions_active: 2 }, rates: {} });
  });

  it('folds label values past the bound into other', () => {
    const set = new MetricSet();
    for (let i = 0; i < 40; i += 1) set.addLabelled('connect_errors', 'message', `error ${i}`);
    const { counters } = set.take();
    expect(counters.connect_errors).toBe(40);
    expect(counters['connect_errors{message=other}']).toBe(10);
  });

  it('keeps a route label with path parameters as its template', () => {
    const set = new MetricSet();
    set.record(set.labelled('http_req_ms', 'route', 'POST /things/{id}/close'), 3);
    expect(Object.keys(set.take().histograms)).toEqual(['http_req_ms{route=POST /things/{id}/close}']);
  });

  it('totals histograms after warm-up only, counters over the whole run', () => {
    const totals = new RunTotals();
    const warm = MergedWindow.merge(0, 10_000, [workerWindow([500], 10, 1, 10)], sumOrMax);
    const steady = MergedWindow.merge(10_000, 20_000, [workerWindow([5, 6], 20, 9, 30)], sumOrMax);
    totals.add(warm, false);
    totals.add(steady, true);
    expect(totals.histogram('event_rtt_ms')?.count).toBe(2);
    expect(totals.histogram('event_rtt_ms')?.max).toBeCloseTo(6, 2);
    expect(totals.counter('events_sent')).toBe(30);
    expect(totals.durationSec).toBe(20);
    expect(totals.snapshot().gauges.sessions_active).toBe(9);
    expect(totals.gauge('sessions_active')).toMatchObject({ min: 9, max: 9, n: 1 });
  });

  it('spans windows for the window threshold form', () => {
    const a = MergedWindow.merge(0, 5_000, [workerWindow([1], 10, 2, 10)], sumOrMax);
    const b = MergedWindow.merge(5_000, 10_000, [workerWindow([9], 30, 4, 20)], sumOrMax);
    const span = new WindowSpan([a, b]);
    expect(span.durationSec).toBe(10);
    expect(span.histogram('event_rtt_ms')?.count).toBe(2);
    expect(span.counter('events_sent')).toBe(40);
    expect(span.gauge('sessions_active')).toMatchObject({ min: 2, max: 4, last: 4, n: 2 });
    expect(span.rate('http_req_failed')).toBe(0.5);
  });
});

describe('Prometheus text', () => {
  const text = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 81920000
nodejs_heap_size_used_bytes 1.2e7
nodejs_eventloop_lag_seconds 0.0042 1700000000000
voice_api_open_sockets{namespace="/voice"} 3
voice_api_open_sockets{namespace="/other"} 2
label_escapes{path="a\\"b",x="y"} +Inf
not a sample line
`;

  it('reads values, sums labelled series, and skips junk', () => {
    const samples = parsePrometheusText(text);
    expect(promValue(samples, 'process_resident_memory_bytes')).toBe(81_920_000);
    expect(promValue(samples, 'nodejs_heap_size_used_bytes')).toBe(12_000_000);
    expect(promValue(samples, 'nodejs_eventloop_lag_seconds')).toBe(0.0042);
    expect(promValue(samples, 'voice_api_open_sockets')).toBe(5);
    expect(promValue(samples, 'missing')).toBeUndefined();
    expect(samples.find((s) => s.name === 'label_escapes')).toEqual({
      name: 'label_escapes',
      labels: { path: 'a"b', x: 'y' },
      value: Number.POSITIVE_INFINITY,
    });
  });

  it('parses only the metrics asked for, labelled or not', () => {
    const samples = parsePrometheusText(
      text,
      new Set(['voice_api_open_sockets', 'nodejs_heap_size_used_bytes']),
    );
    expect(samples.map((s) => s.name)).toEqual([
      'nodejs_heap_size_used_bytes',
      'voice_api_open_sockets',
      'voice_api_open_sockets',
    ]);
    expect(promValue(samples, 'voice_api_open_sockets')).toBe(5);
    expect(promValue(samples, 'process_resident_memory_bytes')).toBeUndefined();
  });
});
