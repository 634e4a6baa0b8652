import type { HistogramSummary, SuiteSummary } from '../../run/model.ts';
import { formatValue } from '../baseline/format.ts';
import { type Html, html } from './html.ts';

const ROUTE_DURATION = /^http_req_duration\{route=(.*)\}$/;

/**
 * A load suite's routes side by side: requests, failures and latency percentiles per `route` tag,
 * from the whole-suite metrics. Empty for a suite without tagged HTTP metrics.
 */
export function routeTable(suite: SuiteSummary): Html {
  const m = suite.metrics;
  if (!m) return html``;
  const rows: { route: string; h?: HistogramSummary }[] = Object.entries(m.histograms ?? {}).flatMap(
    ([name, h]) => {
      const route = ROUTE_DURATION.exec(name)?.[1];
      return route === undefined ? [] : [{ route, h }];
    },
  );
  const routes = new Set(rows.map((r) => r.route));
  // Routes whose every request failed before an answer have counters but no latency.
  for (const name of Object.keys(m.counters ?? {})) {
    const route = /^http_reqs\{route=(.*)\}$/.exec(name)?.[1];
    if (route !== undefined && !routes.has(route)) rows.push({ route });
  }
  if (rows.length === 0) return html``;
  rows.sort((a, b) => a.route.localeCompare(b.route, 'en'));
  const ms = (v: number | undefined) => (v === undefined ? '–' : formatValue(v, 'ms'));
  return html`<div class="table-wrap"><table class="metrics routes">
<caption>Per route, whole suite (http_req_duration after warm-up)</caption>
<thead><tr><th scope="col">route</th><th scope="col">requests</th><th scope="col">failed</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th><th scope="col">max</th></tr></thead>
<tbody>${rows.map(({ route, h }) => {
    const requests = m.counters?.[`http_reqs{route=${route}}`];
    const failed = m.rates?.[`http_req_failed{route=${route}}`];
    return html`<tr><th scope="row"><code>${route}</code></th><td>${requests ?? '–'}</td><td>${failed === undefined ? '–' : formatValue(failed * 100, '%')}</td><td>${ms(h?.p50)}</td><td>${ms(h?.p95)}</td><td>${ms(h?.p99)}</td><td>${ms(h?.max)}</td></tr>`;
  })}</tbody></table></div>`;
}
