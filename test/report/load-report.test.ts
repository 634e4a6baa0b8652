import { describe, expect, it } from 'vitest';
import { Histogram } from '../../src/metrics/histogram.ts';
import { suiteCharts } from '../../src/report/html/charts.ts';
import { routeTable } from '../../src/report/html/routes.ts';
import type { SuiteSummary } from '../../src/run/model.ts';

function histogram(values: number[]) {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h.summary({ withHdr: true });
}

const slow = histogram([50, 52, 55, 60, 900]);
const livez = histogram([1, 1, 2]);
const suite: SuiteSummary = {
  kind: 'load',
  name: 'load',
  verdict: 'fail',
  durationMs: 10_000,
  completed: true,
  checks: [],
  intervals: [
    {
      startMs: 0,
      endMs: 5_000,
      metrics: {
        histograms: {
          http_req_duration: histogram([1, 50, 900]),
          'http_req_duration{route=GET /v1/<b>}': slow,
        },
        counters: { http_reqs: 8, dropped_requests: 2 },
        gauges: {},
        rates: { http_req_failed: 0.125 },
      },
    },
  ],
  metrics: {
    histograms: {
      http_req_duration: histogram([1, 1, 2, 50, 52, 55, 60, 900]),
      'http_req_duration{route=GET /v1/<b>}': slow,
      'http_req_duration{route=GET /livez}': livez,
      'http_req_duration{status=200}': livez,
    },
    counters: {
      http_reqs: 9,
      'http_reqs{route=GET /v1/<b>}': 5,
      'http_reqs{route=GET /livez}': 3,
      'http_reqs{route=POST /down}': 1,
    },
    gauges: {},
    rates: { 'http_req_failed{route=GET /v1/<b>}': 0.2, 'http_req_failed{route=POST /down}': 1 },
  },
};

describe('the load report', () => {
  it('has a per-route table: requests, failures, percentiles, escaped route names', () => {
    const table = routeTable(suite).toString();
    const rows = [...table.matchAll(/<tr><th scope="row"><code>(.*?)<\/code><\/th>(.*?)<\/tr>/g)].map((m) => [
      m[1],
      [...m[2].matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1]),
    ]);
    expect(rows.map(([route]) => route)).toEqual(['GET /livez', 'GET /v1/&lt;b&gt;', 'POST /down']);
    expect(rows[1][1].slice(0, 2)).toEqual(['5', '20%']);
    expect(rows[1][1][5]).toBe('900 ms');
    expect(rows[1][1][2]).toMatch(/^5\d(\.\d+)? ms$/);
    // A route whose every request failed before an answer still has its row.
    expect(rows[2][1]).toEqual(['1', '100%', '–', '–', '–', '–']);
  });

  it('charts http_req_duration in ms and draws the per-route latency distributions', () => {
    const titles = suiteCharts(suite, 's0').map((c) => `${c.title} [${c.unit}]`);
    expect(titles[0]).toBe('http_req_duration — p50 / p95 / p99 per window [ms]');
    expect(titles).toContain(
      'http_req_duration{route=GET /livez} — distribution over the whole suite [count]',
    );
    expect(titles.some((t) => t.includes('{status=200}'))).toBe(false);
    expect(titles.some((t) => t.startsWith('Errors'))).toBe(true);
  });

  it('shows nothing for a suite without per-route metrics', () => {
    expect(
      routeTable({ ...suite, metrics: { histograms: {}, counters: {}, gauges: {}, rates: {} } }).toString(),
    ).toBe('');
  });
});
