import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Histogram } from '../../../src/metrics/histogram.ts';
import { MAX_CHART_POINTS } from '../../../src/report/html/downsample.ts';
import { htmlReporter } from '../../../src/report/html/reporter.ts';
import { jsonReporter } from '../../../src/report/reporters/json.ts';
import { testRecorder } from '../../helpers/recorder.ts';

/**
 * A nightly 2-hour soak of 1 s windows (7,200 windows), synthesised through the recorder and the json
 * and html reporters, as a real run writes them: every window stays in events.ndjson and summary.json,
 * and the HTML report stays small enough to open, its charts downsampled.
 */
const WINDOWS = 7_200;
const runDir = mkdtempSync(path.join(tmpdir(), 'shakedown-long-soak-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

function histograms(): Histogram[] {
  return Array.from({ length: 16 }, (_, k) => {
    const h = new Histogram();
    for (let v = 0; v < 1_200; v += 1) h.record(2 + ((v * 13 + k * 7) % 97) / 4 + (v % 200 === 0 ? 300 : 0));
    return h;
  });
}

describe('a 2-hour soak report', () => {
  it('keeps every window in events.ndjson and summary.json, and a bounded HTML report', async () => {
    const run = testRecorder(runDir, { reporters: [jsonReporter(), htmlReporter()] });
    await run.start();
    const suite = await run.suite('voice-sessions', 'soak');
    const pool = histograms();
    const encoded = pool.map((h) => h.summary({ withHdr: true }));
    for (let i = 0; i < WINDOWS; i += 1) {
      await suite.interval({
        startMs: i * 1_000,
        endMs: (i + 1) * 1_000,
        metrics: {
          histograms: { event_rtt_ms: encoded[i % 16], reply_latency_ms: encoded[(i + 5) % 16] },
          counters: { events_sent: 600, events_acked: 600, sessions_started: i % 10 === 0 ? 5 : 0 },
          gauges: {
            sessions_active: 300,
            sessions_active_avg: 299.5,
            generator_rss_bytes: 200e6 + (i % 50) * 1e5,
            generator_heap_used_bytes: 60e6 + (i % 30) * 1e5,
            generator_cpu_pct: 12 + (i % 7),
            server_rss_bytes: 120e6 + (i % 40) * 1e5,
          },
          rates: { events_lost_rate: 0 },
        },
      });
    }
    await suite.end();
    const summary = await run.finish();

    expect(summary.suites[0].intervals).toHaveLength(WINDOWS);
    const written = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(written.suites[0].intervals).toHaveLength(WINDOWS);
    // summary.json grows with the windows, but by a bounded amount per window.
    expect(statSync(path.join(runDir, 'summary.json')).size / WINDOWS).toBeLessThan(3_000);

    const page = readFileSync(path.join(runDir, 'index.html'), 'utf8');
    // ~180 KB downsampled; every window drawn would be ~1 MB.
    expect(page.length).toBeLessThan(400_000);
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)![1],
    ) as { charts: { kind: string; x: number[] }[] };
    const timeCharts = data.charts.filter((c) => c.kind === 'time');
    expect(timeCharts.length).toBeGreaterThan(3);
    for (const chart of timeCharts) {
      expect(chart.x.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
      expect(chart.x.at(-1)).toBe(WINDOWS);
    }
  });
});
