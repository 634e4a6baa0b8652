/**
 * How fast `shakedown k6 import` reads k6 `--out json` results: points per second and the importer's
 * memory, for several pods' files of a 15-minute load (the points k6 writes per request:
 * http_reqs, http_req_duration, http_req_failed, with k6's usual tags). Measures, never asserts.
 *
 *   node bench/k6.bench.ts [pods] [requestsPerSecPerPod] [durationSec]
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { K6Results } from '../src/k6/results.ts';

const pods = Number(process.argv[2] ?? 4);
const ratePerPod = Number(process.argv[3] ?? 50);
const durationSec = Number(process.argv[4] ?? 900);
const dir = mkdtempSync(path.join(tmpdir(), 'shakedown-k6-bench-'));
const ROUTES = ['GET /livez', 'GET /v1/sessions/{id}', 'POST /v1/sessions', 'GET /metrics'];

async function writePod(file: string, pod: number): Promise<number> {
  const out = createWriteStream(file);
  const write = (line: object) =>
    out.write(`${JSON.stringify(line)}\n`)
      ? Promise.resolve()
      : new Promise<void>((r) => out.once('drain', () => r()));
  for (const [name, type] of [
    ['http_reqs', 'counter'],
    ['http_req_duration', 'trend'],
    ['http_req_failed', 'rate'],
  ]) {
    await write({
      type: 'Metric',
      data: { name, type, contains: 'default', thresholds: [], submetrics: null },
      metric: name,
    });
  }
  let points = 0;
  const start = Date.parse('2026-01-15T02:00:00Z');
  for (let i = 0; i < ratePerPod * durationSec; i++) {
    const route = ROUTES[i % ROUTES.length];
    const time = new Date(start + (i * 1000) / ratePerPod + pod).toISOString();
    const tags = {
      method: route.split(' ')[0],
      route,
      scenario: 'load',
      status: '200',
      url: `http://10.0.0.1:3000/x${i % 50}`,
      expected_response: 'true',
      proto: 'HTTP/1.1',
    };
    await write({ type: 'Point', data: { time, value: 1, tags }, metric: 'http_reqs' });
    await write({
      type: 'Point',
      data: { time, value: 2 + (i % 97) / 7, tags },
      metric: 'http_req_duration',
    });
    await write({ type: 'Point', data: { time, value: 0, tags }, metric: 'http_req_failed' });
    points += 3;
  }
  await new Promise((r) => out.end(r));
  return points;
}

try {
  const files: string[] = [];
  let written = 0;
  for (let pod = 0; pod < pods; pod++) {
    const file = path.join(dir, `pod-${pod}.ndjson`);
    written += await writePod(file, pod);
    files.push(file);
  }
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  const results = new K6Results(5, []);
  for (const file of files) await results.addFile(file);
  const windows = results.windows().length;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'k6.import',
      pods,
      points: results.points,
      written,
      windows,
      seconds: Math.round(seconds * 100) / 100,
      pointsPerSec: Math.round(results.points / seconds),
      rssGrowthMiB: Math.round((process.memoryUsage.rss() - rssBefore) / 1024 / 1024),
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
