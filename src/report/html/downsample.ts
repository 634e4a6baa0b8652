import type { HistogramSummary, IntervalRecord, MetricsSnapshot } from '../../run/model.ts';

/**
 * Most points a time chart draws: a 2-hour soak of 1 s windows would otherwise embed 7,200 points per
 * series and make the report heavy to open. All windows stay in events.ndjson and summary.json.
 */
export const MAX_CHART_POINTS = 720;

/**
 * Windows for the charts: as they are up to `maxPoints`, else consecutive groups merged into one
 * point each, chosen so nothing worth seeing is smoothed away: counts summed over the group's span
 * (rates per second stay right), latency percentiles, error rates and gauges the group's worst
 * (highest) window, except held sessions, whose dips are the news, at their lowest.
 */
export function chartWindows(
  windows: readonly IntervalRecord[],
  maxPoints = MAX_CHART_POINTS,
): IntervalRecord[] {
  if (windows.length <= maxPoints) return [...windows];
  const size = Math.ceil(windows.length / maxPoints);
  const out: IntervalRecord[] = [];
  for (let i = 0; i < windows.length; i += size) out.push(mergeGroup(windows.slice(i, i + size)));
  return out;
}

function mergeGroup(group: readonly IntervalRecord[]): IntervalRecord {
  const metrics: MetricsSnapshot = { histograms: {}, counters: {}, gauges: {}, rates: {} };
  for (const { metrics: m } of group) {
    for (const [name, value] of Object.entries(m.counters ?? {}))
      metrics.counters[name] = (metrics.counters[name] ?? 0) + value;
    for (const [name, value] of Object.entries(m.gauges ?? {})) {
      const current = metrics.gauges[name];
      const lowest = /^sessions_active/.test(name);
      metrics.gauges[name] =
        current === undefined ? value : lowest ? Math.min(current, value) : Math.max(current, value);
    }
    for (const [name, value] of Object.entries(m.rates ?? {}))
      metrics.rates![name] = Math.max(metrics.rates![name] ?? value, value);
    for (const [name, h] of Object.entries(m.histograms ?? {}))
      metrics.histograms[name] = worst(metrics.histograms[name], h);
  }
  return { startMs: group[0].startMs, endMs: group.at(-1)!.endMs, metrics };
}

function worst(a: HistogramSummary | undefined, b: HistogramSummary): HistogramSummary {
  // The encoding of one window would misrepresent the group: charts never need it.
  const { hdr: _hdr, ...stats } = b;
  if (!a || a.count === 0) return stats;
  if (b.count === 0) return a;
  const total = a.count + b.count;
  return {
    count: total,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean: (a.mean * a.count + b.mean * b.count) / total,
    p50: Math.max(a.p50, b.p50),
    p90: Math.max(a.p90, b.p90),
    p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
  };
}
