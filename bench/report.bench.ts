/**
 * How long the HTML report takes to render for a nightly soak (15 minutes, 10 s windows, four HDR
 * histograms per window), and how big it is. The target is < 1 s and < 2 MB on the CI machine; the
 * size is also asserted in test/report/html-render.test.ts, the time only measured here.
 *
 *   node bench/report.bench.ts [iterations]
 */
import { renderReport } from '../src/report/html/page.ts';
import { buildSummary } from '../src/run/summary.ts';
import { soakRun } from '../test/fixtures/report/runs.ts';

const iterations = Number(process.argv[2] ?? 20);
const events = soakRun({ durationSec: 900, windowSec: 10 });

const timesMs: number[] = [];
let bytes = 0;
for (let i = 0; i < iterations; i += 1) {
  const started = performance.now();
  // What the reporter does at the end of a run: derive the summary, render the page.
  const html = renderReport(buildSummary(events));
  timesMs.push(performance.now() - started);
  bytes = Buffer.byteLength(html);
}
// The first render also reads uPlot and the report's assets from disk.
const coldMs = timesMs[0];
timesMs.sort((a, b) => a - b);
const at = (q: number) => timesMs[Math.min(timesMs.length - 1, Math.floor(q * timesMs.length))];
const result = {
  bench: 'report.render-15min-soak',
  iterations,
  coldMs: Math.round(coldMs * 10) / 10,
  medianMs: Math.round(at(0.5) * 10) / 10,
  p95Ms: Math.round(at(0.95) * 10) / 10,
  sizeBytes: bytes,
  targets: { underOneSecond: at(0.95) < 1000, underTwoMegabytes: bytes < 2 * 1024 * 1024 },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
