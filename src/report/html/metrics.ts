import type { MetricDelta, SuiteSummary } from '../../run/model.ts';
import { formatDelta, formatValue, unitOf } from '../baseline/format.ts';
import { type Html, html } from './html.ts';

/** `suite/metric/stat` → its comparison with the baseline. */
export type DeltaIndex = ReadonlyMap<string, MetricDelta>;

export function deltaIndex(deltas: readonly MetricDelta[] | undefined): DeltaIndex {
  return new Map((deltas ?? []).map((d) => [`${d.suite}/${d.metric}/${d.stat}`, d]));
}

const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;

/** The whole-suite numbers (what baselines compare), each with its delta when there is a baseline. */
export function metricsTables(suite: SuiteSummary, deltas: DeltaIndex): Html {
  const m = suite.metrics;
  if (!m) return html``;
  const delta = (metric: string, stat: string) => deltaChip(deltas.get(`${suite.name}/${metric}/${stat}`));
  const histograms = Object.entries(m.histograms ?? {});
  const rates = Object.entries(m.rates ?? {});
  const counters = Object.entries(m.counters ?? {});
  const gauges = Object.entries(m.gauges ?? {});
  const parts: Html[] = [];
  if (histograms.length > 0) {
    parts.push(html`<div class="table-wrap"><table class="metrics">
<caption>Latency and other histograms, whole suite</caption>
<thead><tr><th scope="col">metric</th><th scope="col">count</th>${PERCENTILES.map((p) => html`<th scope="col">${p}</th>`)}<th scope="col">max</th></tr></thead>
<tbody>${histograms.map(([name, h]) => {
      const unit = unitOf(name);
      return html`<tr><th scope="row"><code>${name}</code></th><td>${h.count}</td>${PERCENTILES.map((p) => html`<td>${formatValue(h[p], unit)}${delta(name, p)}</td>`)}<td>${formatValue(h.max, unit)}</td></tr>`;
    })}</tbody></table></div>`);
  }
  if (rates.length > 0) {
    parts.push(html`<div class="table-wrap"><table class="metrics"><caption>Rates</caption>
<tbody>${rates.map(([name, r]) => html`<tr><th scope="row"><code>${name}</code></th><td>${formatValue(r * 100, '%')}${delta(name, 'rate')}</td></tr>`)}</tbody></table></div>`);
  }
  if (counters.length > 0) {
    parts.push(html`<div class="table-wrap"><table class="metrics"><caption>Counters (totals)</caption>
<tbody>${counters.map(([name, v]) => html`<tr><th scope="row"><code>${name}</code></th><td>${formatValue(v, unitOf(name))}</td></tr>`)}</tbody></table></div>`);
  }
  if (gauges.length > 0) {
    parts.push(html`<div class="table-wrap"><table class="metrics"><caption>Gauges (last value)</caption>
<tbody>${gauges.map(([name, v]) => html`<tr><th scope="row"><code>${name}</code></th><td>${formatValue(v, unitOf(name))}</td></tr>`)}</tbody></table></div>`);
  }
  return html`<div class="metric-tables">${parts}</div>`;
}

/** `+18.1 ms (+151%)` beside a number, marked when it is a regression or an improvement. */
export function deltaChip(d: MetricDelta | undefined): Html {
  if (!d) return html``;
  const label =
    d.status === 'regression'
      ? 'regression since baseline'
      : d.status === 'improvement'
        ? 'improvement since baseline'
        : 'change since baseline';
  return html` <span class="delta ${d.status}" title="${label}: was ${formatValue(d.baseline, d.unit)}"><span class="sr-only">${label}: </span>${formatDelta(d)}</span>`;
}
