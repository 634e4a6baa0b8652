import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rateGroups, suiteCharts } from '../../src/report/html/charts.ts';
import { jsonForScript } from '../../src/report/html/html.ts';
import { renderReport } from '../../src/report/html/page.ts';
import { buildSummary } from '../../src/run/summary.ts';
import { failingContractsRun, HOSTILE, hostileRun, passingRun, soakRun } from '../fixtures/report/runs.ts';

const soak15 = buildSummary(soakRun({ durationSec: 900, windowSec: 10 }));

function blocks(doc: string, tag: 'script' | 'style'): { attrs: string; text: string }[] {
  return [...doc.matchAll(new RegExp(`<${tag}([^>]*)>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => ({
    attrs: m[1],
    text: m[2],
  }));
}

function csp(doc: string): Record<string, string[]> {
  const raw = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(doc)?.[1] ?? '';
  const content = raw.replaceAll('&#39;', "'");
  return Object.fromEntries(
    content.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

function dataBlock(doc: string): {
  charts: { id: string; title: string; series: { values: unknown[] }[] }[];
} {
  const block = blocks(doc, 'script').find((b) => b.attrs.includes('application/json'));
  return JSON.parse(block?.text ?? 'null');
}

describe('the HTML report document', () => {
  it('keeps a 15-minute soak with 10 s windows under 2 MB, with every window charted', () => {
    const doc = renderReport(soak15);
    expect(Buffer.byteLength(doc)).toBeLessThan(2 * 1024 * 1024);
    const rtt = dataBlock(doc).charts.find((c) => c.title.startsWith('event_rtt_ms — p50'));
    expect(rtt?.series[0].values).toHaveLength(90);
    // The HDR histograms stay in summary.json; the page gets only what it draws.
    expect(soak15.suites[0].metrics?.histograms.event_rtt_ms.hdr).toBeTruthy();
    expect(doc).not.toContain(soak15.suites[0].metrics?.histograms.event_rtt_ms.hdr);
  });

  it('allows exactly its inline scripts and styles by hash, and nothing from anywhere else', () => {
    const doc = renderReport(buildSummary(failingContractsRun()));
    const policy = csp(doc);
    expect(policy['default-src']).toEqual(["'none'"]);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const scripts = blocks(doc, 'script').filter((b) => !b.attrs.includes('application/json'));
    expect(scripts).toHaveLength(2);
    expect(policy['script-src'].sort()).toEqual(scripts.map((s) => hash(s.text)).sort());
    expect(policy['style-src'].sort()).toEqual(
      blocks(doc, 'style')
        .map((s) => hash(s.text))
        .sort(),
    );
    expect(policy['img-src']).toEqual(['data:']);
    // Every reference stays in the page: anchors and a data: icon, no URL to fetch.
    const refs = [...doc.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^(#|data:)/);
    expect(doc).not.toMatch(/<(link|img|iframe|object|embed)\b(?![^>]*rel="icon")/);
  });

  it('renders hostile strings from the target as text: no extra script, no element, the JSON block cannot be closed', () => {
    const doc = renderReport(buildSummary(hostileRun()));
    expect(blocks(doc, 'script')).toHaveLength(3);
    expect(doc.match(/<script/g)).toHaveLength(3);
    expect(doc).not.toMatch(/<img|<svg|onerror="window|onmouseover="alert/);
    expect(doc).toContain('&lt;/script&gt;&lt;script&gt;window.__pwned = 1; alert(1)&lt;/script&gt;');
    expect(doc).toContain('&quot; onmouseover=&quot;alert(5)&quot; data-x=&quot;');
    const data = JSON.stringify(dataBlock(doc));
    expect(data).toContain(HOSTILE.script);
  });

  it('escapes <, > and & in JSON for a script block and still round-trips', () => {
    const value = { s: `${HOSTILE.script}${HOSTILE.comment}&\u2028` };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('shows the target without credentials in its URL', () => {
    const run = buildSummary(
      passingRun({ stack: 'url', baseUrl: 'https://ci:hunter2@staging.example.com/api' }),
    );
    const doc = renderReport(run);
    expect(doc).toContain('https://staging.example.com/api');
    expect(doc).not.toContain('hunter2');
  });

  it('marks an unfinished run incomplete in the banner and title', () => {
    const doc = renderReport(buildSummary(passingRun({ unfinished: true })));
    expect(doc).toContain('<header class="banner incomplete"');
    expect(doc).toContain('<title>Shakedown INCOMPLETE');
    // Every check recorded passed, but a run that did not finish cannot pass.
    expect(doc).toContain('it cannot pass. Verdict so far: <strong>ERROR</strong>');
  });
});

describe('soak charts', () => {
  const charts = suiteCharts(soak15.suites[0], 's0');
  const titled = (start: string) => charts.find((c) => c.title.startsWith(start));

  it('draws latency, throughput, errors, rates, sessions, server and generator resources and distributions', () => {
    expect(charts.map((c) => c.title)).toEqual([
      'event_rtt_ms — p50 / p95 / p99 per window',
      'reply_latency_ms — p50 / p95 / p99 per window',
      'session_connect_ms — p50 / p95 / p99 per window',
      'http_req_ms — p50 / p95 / p99 per window',
      'Throughput (per second)',
      'Errors and disconnects (per window)',
      'Error rates (% per window)',
      'Active sessions and connections',
      'Server memory (heap_bytes, rss_bytes)',
      'Server event-loop delay',
      'Generator CPU',
      'Generator event-loop delay',
      'Generator memory (rss_bytes)',
      'event_rtt_ms — distribution over the whole suite',
      'reply_latency_ms — distribution over the whole suite',
      'session_connect_ms — distribution over the whole suite',
      'http_req_ms — distribution over the whole suite',
    ]);
    expect(titled('Throughput')?.series.map((s) => s.label)).toContain('events_sent/s');
    expect(titled('Throughput')?.series[0].values[0]).toBeGreaterThan(300);
    expect(titled('Server memory')?.unit).toBe('MiB');
  });

  it('draws each threshold on the chart of its metric, in that chart’s unit', () => {
    expect(titled('event_rtt_ms — p50')?.thresholds).toEqual([
      { label: 'threshold event_rtt_ms p(95)<100', value: 100, passed: true },
    ]);
    expect(titled('Error rates')?.thresholds).toEqual([
      { label: 'threshold events_lost_rate rate<0.001', value: 0.1, passed: true },
    ]);
    expect(titled('Throughput')?.thresholds).toEqual([]);
  });

  it('builds the distribution from the recorded HDR histogram, every sample in a bar, in ms', () => {
    const dist = titled('event_rtt_ms — distribution');
    const whole = soak15.suites[0].metrics!.histograms.event_rtt_ms;
    const counts = dist!.series[0].values as number[];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(whole.count);
    expect(dist!.xBounds![dist!.xBounds!.length - 1]).toBeCloseTo(whole.max, 0);
    expect(dist!.xBounds![0]).toBeGreaterThanOrEqual(whole.min);
  });

  it('gives every chart a text summary for screen readers', () => {
    for (const chart of charts) expect(chart.summary.join(' ')).toMatch(/\d/);
    expect(titled('event_rtt_ms — p50')?.summary.join(' ')).toMatch(
      /p95: min [\d.]+ ms, mean [\d.]+ ms, max [\d.]+ ms, last [\d.]+ ms over 90 windows\..*threshold event_rtt_ms p\(95\)<100 at 100 ms: held\./,
    );
  });
});

describe('contract coverage', () => {
  it('tabulates operations × statuses seen from the coverage summary, marking what failing checks saw', () => {
    const doc = renderReport(buildSummary(failingContractsRun()));
    const table = /<table class="coverage-table">[\s\S]*?<\/table>/.exec(doc)?.[0] ?? '';
    const columns = [...table.matchAll(/<th scope="col">(\w+)<\/th>/g)].map((m) => m[1]);
    expect(columns).toEqual(['operation', '200', '201', '202', '204', '400', '500']);
    expect(table).toMatch(
      /GET \/v1\/sessions\/\{id\}<\/code>.*?<td class="cov fail" title="200 seen 3×, with a failing check">✗ 3/,
    );
    expect(table).toMatch(/POST \/v1\/sessions<\/code>.*?<td class="cov pass" title="201 seen 3×">3/);
    expect(table).toContain('never exercised: skipped by a contract hook');
    expect(doc).toContain('6 of 7 operations exercised');
  });

  it('without a summary, uses the responses the checks recorded, and shows documented statuses never seen', () => {
    const run = buildSummary(passingRun());
    expect(renderReport(run)).toContain('6 of 6 operations exercised');
    run.suites[0].checks.push({
      id: 'contract.coverage',
      title: 'coverage',
      verdict: 'warn',
      message: '1 of 2 operations',
      evidence: {
        operations: [
          { method: 'get', path: '/livez', documented: [200], statuses: { '200': 4 } },
          {
            method: 'post',
            path: '/v1/never',
            documented: ['201', '400'],
            statuses: {},
            exercised: false,
            reason: 'no example',
          },
        ],
      },
    });
    const doc = renderReport(run);
    expect(doc).toContain('1 of 2 operations exercised; 1 of 3 documented statuses seen');
    expect(doc).toContain('title="201 documented, not seen"');
  });
});

describe('rates in the report', () => {
  it('draws success rates apart from error rates, and unknown rates under a neutral title', () => {
    expect(
      rateGroups(['events_lost_rate', 'delivered_rate', 'checkout_failed_rate', 'sampled_rate']),
    ).toEqual([
      ['Error rates (% per window)', ['events_lost_rate', 'checkout_failed_rate']],
      ['Success rates (% per window)', ['delivered_rate']],
      ['Rates (% per window)', ['sampled_rate']],
    ]);
    const suite = {
      checks: [],
      intervals: [0, 1, 2].map((i) => ({
        startMs: i * 10_000,
        endMs: (i + 1) * 10_000,
        metrics: { rates: { events_lost_rate: 0, delivered_rate: 1 } },
      })),
    } as unknown as Parameters<typeof suiteCharts>[0];
    const charts = suiteCharts(suite, 's');
    const titled = (title: string) => charts.find((c) => c.title === title);
    expect(titled('Success rates (% per window)')?.series).toEqual([
      { label: 'delivered_rate', values: [100, 100, 100] },
    ]);
    expect(titled('Error rates (% per window)')?.series.map((s) => s.label)).toEqual(['events_lost_rate']);
  });
});
