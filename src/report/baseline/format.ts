import type { BaselineComparison, CheckChange, MetricDelta } from '../../run/model.ts';

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The unit a metric name ends in (k6-style names carry it last: `event_rtt_ms`). */
export function unitOf(metric: string): string {
  // k6's duration metrics (`http_req_duration`, also tagged `{route=…}`) are in milliseconds.
  if (/^http_req_[a-z_]*duration(\{.*\})?$/.test(metric)) return 'ms';
  if (/_ms$/.test(metric)) return 'ms';
  if (/_bytes$/.test(metric)) return 'bytes';
  if (/_(seconds|sec|s)$/.test(metric)) return 's';
  if (/_(pct|percent)$/.test(metric)) return '%';
  return '';
}

/** A number for people: `12.3 ms`, `81.2 MiB`, `0.12%`. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === '%') return `${trim(value)}%`;
  return unit ? `${trim(value)} ${unit}` : trim(value);
}

/** `+18.1 ms (+151%)`, signed, in the metric's unit. */
export function formatDelta(d: Pick<MetricDelta, 'delta' | 'deltaPct' | 'unit'>): string {
  const { amount, percent } = deltaParts(d);
  return percent ? `${amount} (${percent})` : amount;
}

function deltaParts(d: Pick<MetricDelta, 'delta' | 'deltaPct' | 'unit'>): {
  amount: string;
  percent: string;
} {
  const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '±');
  const abs = d.unit === '%' ? `${trim(Math.abs(d.delta))} pp` : formatValue(Math.abs(d.delta), d.unit);
  const percent = d.deltaPct === null ? '' : `${sign(d.deltaPct)}${trim(Math.abs(d.deltaPct))}%`;
  return { amount: `${sign(d.delta)}${abs}`, percent };
}

/** `soak › event_rtt_ms p95 21.1 ms → 971 ms (+950 ms, +4506%)`. */
export function describeMetricDelta(d: MetricDelta): string {
  const { amount, percent } = deltaParts(d);
  return `${d.suite} › ${d.metric} ${d.stat} ${formatValue(d.baseline, d.unit)} → ${formatValue(d.current, d.unit)} (${amount}${percent ? `, ${percent}` : ''})`;
}

export function describeCheckChange(c: CheckChange): string {
  const was = c.baselineVerdict === null ? 'new check' : `was ${c.baselineVerdict}`;
  return `${c.suite} › ${c.id} ${c.title} (${was})`;
}

const LISTED = 5;

/** The console's short "since baseline" block. */
export function formatSinceBaseline(c: BaselineComparison): string {
  const b = c.baseline;
  const lines = [`since baseline ${b.runId} (${b.profile}, ${b.target.stack} ${b.target.baseUrl}):`];
  for (const m of c.mismatches) lines.push(`  ! compared anyway (--force): ${m}`);
  if (b.incomplete) lines.push('  ! the baseline run did not finish; it has fewer checks than a full run');
  lines.push(...listed(`new failure`, c.checks.newFailures.map(describeCheckChange)));
  lines.push(
    `  ${c.counts.fixed} fixed · ${c.counts.stillFailing} still failing · ${c.checks.compared} checks compared` +
      (c.checks.added ? ` · ${c.checks.added} new` : '') +
      (c.checks.missing ? ` · ${c.checks.missing} not run now` : ''),
  );
  const regressions = c.metrics.filter((m) => m.status === 'regression');
  lines.push(...listed('metric regression', regressions.map(describeMetricDelta)));
  if (c.counts.improvements) lines.push(`  ${c.counts.improvements} metric(s) improved beyond tolerance`);
  return lines.join('\n');
}

function listed(noun: string, items: string[]): string[] {
  if (items.length === 0) return [`  no ${noun}s`];
  const head = `  ${items.length} ${noun}${items.length === 1 ? '' : 's'}:`;
  const more = items.length > LISTED ? [`    … and ${items.length - LISTED} more (see the report)`] : [];
  return [head, ...items.slice(0, LISTED).map((i) => `    ${i}`), ...more];
}

function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1024 ** 3) return `${trim(bytes / 1024 ** 3)} GiB`;
  if (abs >= 1024 ** 2) return `${trim(bytes / 1024 ** 2)} MiB`;
  if (abs >= 1024) return `${trim(bytes / 1024)} KiB`;
  return `${trim(bytes)} B`;
}

/** Three significant digits at most, no trailing zeros: 0.123, 12.3, 123, 12345. */
export function trim(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return String(Number(value.toFixed(digits)));
}
