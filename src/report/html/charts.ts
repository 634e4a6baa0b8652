// Over 350 lines because every chart of a suite (latency, rates, resources, thresholds) is built here from one window model.
import type { CheckResult, HistogramSummary, IntervalRecord, SuiteSummary } from '../../run/model.ts';
import { formatValue, unitOf } from '../baseline/format.ts';
import { distributionOf } from './distribution.ts';
import { chartWindows } from './downsample.ts';

/** One chart as the page's script draws it (embedded as JSON) and as its text summary reads. */
export interface ChartSpec {
  id: string;
  title: string;
  /** Unit of the y values as displayed (`ms`, `MiB`, `%`, `/s`, ''). */
  unit: string;
  kind: 'time' | 'distribution';
  /** Seconds since the suite started (end of each window), or bar indexes for a distribution. */
  x: number[];
  /** Bar upper bounds, for a distribution's axis labels. */
  xBounds?: number[];
  xUnit?: string;
  series: { label: string; values: (number | null)[] }[];
  thresholds: ChartThreshold[];
  /** A sentence or two for screen readers and for anyone who would rather read than look. */
  summary: string[];
}

export interface ChartThreshold {
  label: string;
  value: number;
  passed: boolean;
}

/** `evidence.threshold` on a threshold check (soak/load `thresholds`). */
interface ThresholdEvidence {
  metric: string;
  expression?: string;
  stat?: string;
  value: number;
  window?: unknown;
}

type Kind = 'histogram' | 'counter' | 'gauge' | 'rate';

interface Scale {
  factor: number;
  unit: string;
}

const KNOWN_ORDER = [
  'event_rtt_ms',
  'reply_latency_ms',
  'session_connect_ms',
  'http_req_ms',
  'http_req_duration',
];
const ERROR_LIKE = /lost|error|fail|disconnect|drop|timeout|reject|refused|reset|5xx|abort/;
const STAT_OF: Record<string, keyof HistogramSummary> = {
  avg: 'mean',
  mean: 'mean',
  med: 'p50',
  min: 'min',
  max: 'max',
  'p(50)': 'p50',
  'p(90)': 'p90',
  'p(95)': 'p95',
  'p(99)': 'p99',
};

/**
 * The charts of a soak or load suite, from its windows: latency percentiles, throughput, errors,
 * error rates, gauges grouped by owner and unit (active sessions, server memory, generator CPU …),
 * and the latency distribution of the whole suite. Metric names the report does not know still get
 * a chart; the grouping goes by the k6-style suffixes.
 */
export function suiteCharts(suite: SuiteSummary, idPrefix: string): ChartSpec[] {
  const thresholds = thresholdChecks(suite.checks);
  const windows = chartWindows(suite.intervals);
  const charts: Omit<ChartSpec, 'id'>[] = [];
  if (windows.length > 0) {
    const x = windows.map((w) => round(w.endMs / 1000));
    const names = namesByKind(windows);
    for (const h of names.histogram) charts.push(latencyChart(h, windows, x, thresholds));
    charts.push(...throughputCharts(names, windows, x, thresholds));
    for (const [title, rates] of rateGroups(names.rate))
      charts.push(ratesChart(title, rates, windows, x, thresholds));
    charts.push(...gaugeCharts(names.gauge, windows, x, thresholds));
  }
  charts.push(...distributionCharts(suite));
  return charts
    .filter((c) => c.series.some((s) => s.values.some((v) => v !== null)))
    .map((c, i) => ({ id: `${idPrefix}-chart-${i}`, ...c }));
}

function thresholdChecks(checks: readonly CheckResult[]): { check: CheckResult; t: ThresholdEvidence }[] {
  return checks.flatMap((check) => {
    const t = check.evidence?.threshold as Partial<ThresholdEvidence> | undefined;
    if (!t || typeof t.metric !== 'string' || typeof t.value !== 'number') return [];
    return [{ check, t: t as ThresholdEvidence }];
  });
}

function namesByKind(windows: readonly IntervalRecord[]): Record<Kind, string[]> {
  const sets: Record<Kind, Set<string>> = {
    histogram: new Set(),
    counter: new Set(),
    gauge: new Set(),
    rate: new Set(),
  };
  for (const { metrics } of windows) {
    for (const name of Object.keys(metrics.histograms ?? {})) sets.histogram.add(name);
    for (const name of Object.keys(metrics.counters ?? {})) sets.counter.add(name);
    for (const name of Object.keys(metrics.gauges ?? {})) sets.gauge.add(name);
    for (const name of Object.keys(metrics.rates ?? {})) sets.rate.add(name);
  }
  // Labelled breakdowns (`disconnects{reason=…}`) stay in the tables; charts show the totals.
  const sorted = (set: Set<string>) =>
    [...set].filter((n) => !n.includes('{')).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en'));
  return {
    histogram: sorted(sets.histogram),
    counter: sorted(sets.counter),
    gauge: sorted(sets.gauge),
    rate: sorted(sets.rate),
  };
}

function rank(name: string): number {
  const i = KNOWN_ORDER.indexOf(name);
  return i < 0 ? KNOWN_ORDER.length : i;
}

function latencyChart(
  metric: string,
  windows: readonly IntervalRecord[],
  x: number[],
  thresholds: { check: CheckResult; t: ThresholdEvidence }[],
): Omit<ChartSpec, 'id'> {
  const scale = scaleOf(unitOf(metric));
  const own = thresholds.filter(({ t }) => t.metric === metric && t.stat && STAT_OF[t.stat]);
  const stats: (keyof HistogramSummary)[] = ['p50', 'p95', 'p99'];
  for (const { t } of own) if (!stats.includes(STAT_OF[t.stat!])) stats.push(STAT_OF[t.stat!]);
  const series = stats.map((stat) => ({
    label: stat === 'mean' ? 'avg' : stat,
    values: windows.map((w) => {
      const h = w.metrics.histograms?.[metric];
      return h && h.count > 0 ? round((h[stat] as number) * scale.factor) : null;
    }),
  }));
  return finish({
    title: `${metric} — ${series.map((s) => s.label).join(' / ')} per window`,
    unit: scale.unit,
    kind: 'time',
    x,
    series,
    thresholds: own.map(({ check, t }) => line(check, t, scale)),
  });
}

function throughputCharts(
  names: Record<Kind, string[]>,
  windows: readonly IntervalRecord[],
  x: number[],
  thresholds: { check: CheckResult; t: ThresholdEvidence }[],
): Omit<ChartSpec, 'id'>[] {
  const seconds = windows.map((w) => Math.max(0.001, (w.endMs - w.startMs) / 1000));
  // A window much shorter than the others (the final drain, a stop mid-window) has no meaningful
  // rate: a handful of events over a few milliseconds would plot as hundreds per second and flatten
  // every real window. It gets a gap; its counts are still in the suite's totals.
  const typicalSec = Math.max(...seconds);
  const rateOf = (v: number, i: number) => (seconds[i] < typicalSec / 2 ? null : round(v / seconds[i]));
  // `disconnects_expected` is churn the script asked for, not an error.
  const isError = (n: string) => ERROR_LIKE.test(n) && !/expected/.test(n);
  const traffic = names.counter.filter((n) => !isError(n));
  const errors = names.counter.filter(isError);
  const perSecond = traffic.length
    ? traffic.map((name) => ({
        label: `${name}/s`,
        values: windows.map((w, i) => num(w.metrics.counters?.[name], (v) => rateOf(v, i))),
      }))
    : names.histogram.map((name) => ({
        label: `${name} count/s`,
        values: windows.map((w, i) => num(w.metrics.histograms?.[name]?.count, (v) => rateOf(v, i))),
      }));
  const out: Omit<ChartSpec, 'id'>[] = [];
  const one = { factor: 1, unit: '/s' };
  if (perSecond.length > 0) {
    out.push(
      finish({
        title: 'Throughput (per second)',
        unit: '/s',
        kind: 'time',
        x,
        series: perSecond,
        thresholds: thresholds
          .filter(({ t }) => traffic.includes(t.metric) && t.stat === 'rate')
          .map(({ check, t }) => line(check, t, one)),
      }),
    );
  }
  if (errors.length > 0) {
    out.push(
      finish({
        title: 'Errors and disconnects (per window)',
        unit: '',
        kind: 'time',
        x,
        series: errors.map((name) => ({
          label: name,
          values: windows.map((w) => num(w.metrics.counters?.[name], (v) => v)),
        })),
        // A count threshold applies to a window only in its window form.
        thresholds: thresholds
          .filter(({ t }) => errors.includes(t.metric) && t.stat === 'count' && t.window !== undefined)
          .map(({ check, t }) => line(check, t, { factor: 1, unit: '' })),
      }),
    );
  }
  return out;
}

const SUCCESS_LIKE = /success|succeed|deliver|ok\b|_ok|hit|pass|accept|complete|avail|uptime/;

/**
 * Rates by what they measure, from their names: a success rate drawn under "Error rates" reads as
 * 100 % errors. Error-like names (`events_lost_rate`, `checkout_failed_rate`) are error rates,
 * success-like ones (`delivered_rate`, `cache_hit_rate`) success rates, the rest just rates.
 */
export function rateGroups(rates: readonly string[]): [string, string[]][] {
  const groups: [string, string[]][] = [
    ['Error rates (% per window)', []],
    ['Success rates (% per window)', []],
    ['Rates (% per window)', []],
  ];
  for (const name of rates) {
    const index = ERROR_LIKE.test(name) ? 0 : SUCCESS_LIKE.test(name) ? 1 : 2;
    groups[index][1].push(name);
  }
  return groups.filter(([, names]) => names.length > 0);
}

function ratesChart(
  title: string,
  rates: string[],
  windows: readonly IntervalRecord[],
  x: number[],
  thresholds: { check: CheckResult; t: ThresholdEvidence }[],
): Omit<ChartSpec, 'id'> {
  const pct = { factor: 100, unit: '%' };
  return finish({
    title,
    unit: '%',
    kind: 'time',
    x,
    series: rates.map((name) => ({
      label: name,
      values: windows.map((w) => num(w.metrics.rates?.[name], (v) => round(v * 100, 4))),
    })),
    thresholds: thresholds
      .filter(({ t }) => rates.includes(t.metric))
      .map(({ check, t }) => line(check, t, pct)),
  });
}

/** Gauges grouped by who they measure (server, generator, the sessions) and their unit. */
function gaugeCharts(
  gauges: string[],
  windows: readonly IntervalRecord[],
  x: number[],
  thresholds: { check: CheckResult; t: ThresholdEvidence }[],
): Omit<ChartSpec, 'id'>[] {
  const groups = new Map<string, string[]>();
  for (const name of gauges) {
    const owner = /^(server|generator)_/.exec(name)?.[1] ?? 'other';
    const key = `${owner}:${unitOf(name)}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  const order = ['other:', 'server:bytes', 'server:ms', 'generator:%', 'generator:ms', 'generator:bytes'];
  const keys = [...groups.keys()].sort((a, b) => orderOf(order, a) - orderOf(order, b) || a.localeCompare(b));
  return keys.map((key) => {
    const names = groups.get(key)!;
    const scale = scaleOf(unitOf(names[0]));
    return finish({
      title: gaugeTitle(key, names),
      unit: scale.unit,
      kind: 'time',
      x,
      series: names.map((name) => ({
        label: name,
        values: windows.map((w) => num(w.metrics.gauges?.[name], (v) => round(v * scale.factor))),
      })),
      thresholds: thresholds
        .filter(({ t }) => names.includes(t.metric))
        .map(({ check, t }) => line(check, t, scale)),
    });
  });
}

function orderOf(order: string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}

function gaugeTitle(key: string, names: string[]): string {
  const [owner, unit] = key.split(':');
  const has = (re: RegExp) => names.some((n) => re.test(n));
  if (owner === 'other')
    return has(/session|connection|socket/) ? 'Active sessions and connections' : 'Gauges';
  const who = owner === 'server' ? 'Server' : 'Generator';
  if (unit === 'bytes') return `${who} memory (${names.map((n) => n.replace(`${owner}_`, '')).join(', ')})`;
  if (unit === '%') return `${who} CPU`;
  if (unit === 'ms' && has(/event_loop/)) return `${who} event-loop delay`;
  return `${who}: ${names.map((n) => n.replace(`${owner}_`, '')).join(', ')}${unit ? ` (${unit})` : ''}`;
}

/** One bar chart per histogram of the whole suite (its HDR histogram, or its windows' merged). */
function distributionCharts(suite: SuiteSummary): Omit<ChartSpec, 'id'>[] {
  const whole = suite.metrics?.histograms ?? {};
  const names = new Set([
    ...Object.keys(whole),
    ...suite.intervals.flatMap((w) => Object.keys(w.metrics.histograms ?? {})),
  ]);
  const out: Omit<ChartSpec, 'id'>[] = [];
  // Tagged breakdowns stay in the tables, except a load's per-route latency, which is worth seeing.
  const drawn = [...names].filter((n) => !n.includes('{') || n.startsWith('http_req_duration{route='));
  for (const metric of drawn.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en'))) {
    const summary = whole[metric];
    const encoded = summary?.hdr
      ? [summary.hdr]
      : suite.intervals.flatMap((w) => {
          const hdr = w.metrics.histograms?.[metric]?.hdr;
          return hdr ? [hdr] : [];
        });
    const reference =
      summary ?? suite.intervals.find((w) => w.metrics.histograms?.[metric])?.metrics.histograms[metric];
    const dist = encoded.length > 0 ? distributionOf(encoded, reference) : null;
    if (!dist) continue;
    const unit = unitOf(metric);
    const scale = scaleOf(unit);
    const bounds = dist.upperBounds.map((b) => round(b * scale.factor));
    const peak = dist.counts.indexOf(Math.max(...dist.counts));
    out.push({
      title: `${metric} — distribution over the whole suite`,
      unit: 'count',
      kind: 'distribution',
      x: dist.counts.map((_, i) => i),
      xBounds: bounds,
      xUnit: scale.unit,
      series: [{ label: 'samples', values: dist.counts }],
      thresholds: [],
      summary: [
        `${dist.total} samples in ${dist.counts.length} bars from ${formatValue(bounds[0], scale.unit)} to ${formatValue(bounds[bounds.length - 1], scale.unit)}; the most (${dist.counts[peak]}) up to ${formatValue(bounds[peak], scale.unit)}.` +
          (summary
            ? ` p50 ${formatValue(summary.p50 * scale.factor, scale.unit)}, p95 ${formatValue(summary.p95 * scale.factor, scale.unit)}, p99 ${formatValue(summary.p99 * scale.factor, scale.unit)}, max ${formatValue(summary.max * scale.factor, scale.unit)}.`
            : ''),
      ],
    });
  }
  return out;
}

function line(check: CheckResult, t: ThresholdEvidence, scale: Scale): ChartThreshold {
  const expression = t.expression ?? `${t.stat ?? ''} ${t.value}`;
  return {
    label: `threshold ${t.metric} ${expression}${t.window ? ' (every window)' : ''}`,
    value: round(t.value * scale.factor, 4),
    passed: check.verdict !== 'fail',
  };
}

/** Adds the text summary: min, mean, max and last value of each series, and each threshold's verdict. */
function finish(chart: Omit<ChartSpec, 'id' | 'summary'>): Omit<ChartSpec, 'id'> {
  const summary = chart.series.map((s) => {
    const values = s.values.filter((v): v is number => v !== null);
    if (values.length === 0) return `${s.label}: no data.`;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const f = (v: number) => formatValue(v, chart.unit);
    return `${s.label}: min ${f(Math.min(...values))}, mean ${f(mean)}, max ${f(Math.max(...values))}, last ${f(values[values.length - 1])} over ${values.length} windows.`;
  });
  for (const t of chart.thresholds) {
    summary.push(
      `${t.label} at ${formatValue(t.value, chart.unit)}: ${t.passed ? 'held' : 'not met (the check failed)'}.`,
    );
  }
  if (chart.x.length > 0) {
    summary.unshift(
      `Windows from ${clock(chart.x[0])} to ${clock(chart.x[chart.x.length - 1])} after the suite started.`,
    );
  }
  return { ...chart, summary };
}

function scaleOf(unit: string): Scale {
  if (unit === 'bytes') return { factor: 1 / 1024 ** 2, unit: 'MiB' };
  return { factor: 1, unit };
}

function num(value: number | undefined, f: (v: number) => number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? f(value) : null;
}

function round(value: number, digits = 3): number {
  const p = 10 ** digits;
  return Math.round(value * p) / p;
}

export function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
