/**
 * `shakedown load` against the tools a user would otherwise pick, on the same loopback targets:
 *
 *   - closed model: shakedown vs plain autocannon vs wrk on a minimal Node HTTP server — requests/s
 *     and generator CPU per 1,000 requests (goal: ≥ 90% of autocannon's requests/s);
 *   - open model accuracy: achieved vs requested rate at 1k, 5k and 20k requests/s (goal: within 1%,
 *     or where this machine tops out), with dropped requests and p99;
 *   - stall visibility: p99 against a server that stops answering for 1 s every 5 s, shakedown's open
 *     model beside autocannon's closed one (goal: the stall shows in ours);
 *   - validation overhead: closed-model requests/s on the reference target's /livez with
 *     `--validate 1`, `10`, `100` and off (goal: 100 costs < 5%).
 *
 *   node bench/load.bench.ts                 # 5 s per run
 *   BENCH_DURATION_SEC=30 node bench/load.bench.ts
 *
 * Runs one after the other (never side by side: each would steal the other's cores). No assertions:
 * it prints tables, one JSON line, and writes both to bench/results/load.json.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { resolveConfig } from '../src/config/resolve.ts';
import type { RunSummary } from '../src/run/model.ts';
import { runShakedown } from '../src/runner.ts';
import { freePort } from '../src/stack/free-port.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 5);
const CONNECTIONS = 10;
const out = mkdtempSync(path.join(tmpdir(), 'shakedown-load-bench-'));

/** A minimal HTTP server; with STALL_EVERY_MS it answers nothing for 1 s in every period. */
const MINIMAL_SERVER = `
const http = require('node:http');
const every = Number(process.env.STALL_EVERY_MS || 0);
const started = Date.now();
const body = JSON.stringify({ ok: true });
http.createServer((req, res) => {
  const answer = () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); };
  const phase = every ? (Date.now() - started) % every : 0;
  if (every && phase >= every - 1000) setTimeout(answer, every - phase); else answer();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface Target {
  url: string;
  child: ChildProcess;
}

const results: Record<string, unknown> = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  durationSec,
  note: 'shared machine, other jobs running: read ratios, not absolute numbers',
};
try {
  results.closed = await closedModel();
  results.open = await openModelAccuracy();
  results.stall = await stallVisibility();
  results.validation = await validationOverhead();
} finally {
  rmSync(out, { recursive: true, force: true });
}
const dir = path.join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'load.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results)}\n`);

async function closedModel() {
  const target = await minimalServer();
  try {
    const rows: { tool: string; reqPerSec: number; cpuMsPer1k: number }[] = [];
    // A throw-away run first, so neither tool pays for the server's (or its own) JIT warm-up.
    await runAutocannon(target.url, CONNECTIONS, 2);
    await runLoad(target.url, { connections: CONNECTIONS, validate: 0, routes: [{ path: '/' }] }, 2);
    const ac = await timedCpu(() => runAutocannon(target.url, CONNECTIONS));
    rows.push({
      tool: 'autocannon',
      reqPerSec: ac.value.reqPerSec,
      cpuMsPer1k: per1k(ac.cpuMs, ac.value.total),
    });
    const sd = await timedCpu(() =>
      runLoad(target.url, { connections: CONNECTIONS, validate: 0, routes: [{ path: '/' }] }),
    );
    const sdTotal = sd.value.metrics!.counters.http_reqs ?? 0;
    rows.push({
      tool: 'shakedown load',
      reqPerSec: round(sdTotal / durationSec),
      cpuMsPer1k: per1k(sd.cpuMs, sdTotal),
    });
    const wrk = runWrk(target.url, CONNECTIONS);
    if (wrk)
      rows.push({
        tool: 'wrk (1 thread)',
        reqPerSec: wrk.reqPerSec,
        cpuMsPer1k: per1k(wrk.cpuMs, wrk.total),
      });
    const ratio = round((rows[1].reqPerSec / rows[0].reqPerSec) * 100);
    table(`closed model, ${CONNECTIONS} connections, ${durationSec} s, minimal server`, rows);
    process.stdout.write(`shakedown / autocannon requests/s: ${ratio}% (goal ≥ 90%)\n`);
    return { rows, shakedownPctOfAutocannon: ratio };
  } finally {
    target.child.kill('SIGKILL');
  }
}

async function openModelAccuracy() {
  const target = await minimalServer();
  try {
    const rows = [];
    for (const rate of [1_000, 5_000, 20_000]) {
      const suite = await runLoad(target.url, { ratePerSec: rate, validate: 0, routes: [{ path: '/' }] });
      const c = suite.metrics!.counters;
      const answered = c.http_reqs ?? 0;
      const generator = suite.intervals.map((w) => w.metrics.gauges.generator_cpu_pct ?? 0);
      rows.push({
        requestedPerSec: rate,
        achievedPerSec: round(answered / durationSec),
        achievedPct: round((answered / (rate * durationSec)) * 100),
        dropped: c.dropped_requests ?? 0,
        p99Ms: suite.metrics!.histograms.http_req_duration?.p99 ?? null,
        sendLagP99Ms: suite.metrics!.histograms.generator_send_lag_ms?.p99 ?? null,
        generatorCpuPctMax: round(Math.max(0, ...generator)),
        verdict: suite.verdict,
      });
    }
    table(`open model accuracy, ${durationSec} s each, minimal server, 1 worker`, rows);
    return rows;
  } finally {
    target.child.kill('SIGKILL');
  }
}

async function stallVisibility() {
  const target = await minimalServer({ STALL_EVERY_MS: '5000' });
  const seconds = Math.max(10, durationSec);
  try {
    const suite = await runLoad(
      target.url,
      { ratePerSec: 200, validate: 0, routes: [{ path: '/' }] },
      seconds,
    );
    const ac = await runAutocannon(target.url, CONNECTIONS, seconds);
    const rows = [
      {
        tool: 'shakedown load (open, 200/s)',
        p50Ms: suite.metrics!.histograms.http_req_duration.p50,
        p99Ms: suite.metrics!.histograms.http_req_duration.p99,
        maxMs: suite.metrics!.histograms.http_req_duration.max,
      },
      { tool: `autocannon (closed, ${CONNECTIONS} conns)`, p50Ms: ac.p50, p99Ms: ac.p99, maxMs: ac.max },
    ];
    table(`stall visibility: 1 s without answers every 5 s, ${seconds} s`, rows);
    return rows;
  } finally {
    target.child.kill('SIGKILL');
  }
}

async function validationOverhead() {
  const target = await voiceApi();
  try {
    const rows = [];
    await runLoad(target.url, { connections: CONNECTIONS, validate: 0, routes: [{ path: '/livez' }] }, 2);
    // Off first and last: the reference is their mean, so a drift of the machine's load shows.
    const runs = [0, 100, 10, 1, 0];
    const measured: { validate: number; reqPerSec: number; validated: number }[] = [];
    for (const validate of runs) {
      const suite = await runLoad(
        target.url,
        { connections: CONNECTIONS, validate, routes: [{ path: '/livez' }] },
        durationSec,
        { openapi: path.join(ROOT, 'contracts/voice-api.openapi.yaml') },
      );
      const conformance = suite.checks.find((c) => c.id === 'load.contract-conformance');
      measured.push({
        validate,
        reqPerSec: round((suite.metrics!.counters.http_reqs ?? 0) / durationSec),
        validated: (conformance?.evidence?.validated as number | undefined) ?? 0,
      });
    }
    const offs = measured.filter((m) => m.validate === 0).map((m) => m.reqPerSec);
    const base = offs.reduce((a, b) => a + b, 0) / offs.length;
    for (const m of measured)
      rows.push({
        validate: m.validate === 0 ? 'off' : `1 in ${m.validate}`,
        reqPerSec: m.reqPerSec,
        costPct: round((1 - m.reqPerSec / base) * 100),
        validated: m.validated,
      });
    table(`validation overhead, closed model, ${CONNECTIONS} connections, reference target GET /livez`, rows);
    return rows;
  } finally {
    target.child.kill('SIGKILL');
  }
}

async function runLoad(
  url: string,
  load: Record<string, unknown>,
  seconds = durationSec,
  target: Record<string, unknown> = {},
) {
  const config = resolveConfig({
    target: { baseUrl: url, ...target },
    stack: { kind: 'url' },
    out,
    reporters: ['json'],
    load: { durationSec: seconds, windowSec: Math.min(5, seconds), ...load },
  });
  const outcome = await runShakedown({
    loaded: { config, file: null, rootDir: ROOT },
    command: 'load',
    engines: ['load'],
    quiet: true,
  });
  return suiteOf(outcome.summary);
}

function suiteOf(summary: RunSummary) {
  const suite = summary.suites.find((s) => s.kind === 'load');
  if (!suite) throw new Error(`no load suite: ${summary.error?.message ?? 'unknown'}`);
  return suite;
}

async function runAutocannon(url: string, connections: number, seconds = durationSec) {
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    reqPerSec: round(result.requests.total / seconds),
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

function runWrk(url: string, connections: number) {
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'cpu %U %S', 'wrk', '-t1', `-c${connections}`, `-d${durationSec}s`, url],
    { encoding: 'utf8' },
  );
  if (run.error || run.status !== 0) {
    process.stderr.write(`bench: wrk not run (${run.error?.message ?? run.stderr.trim()})\n`);
    return null;
  }
  const total = Number(/(\d+) requests in/.exec(run.stdout)?.[1] ?? 0);
  const [, user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr) ?? ['', '0', '0'];
  return { reqPerSec: round(total / durationSec), total, cpuMs: (Number(user) + Number(system)) * 1000 };
}

/** Process CPU (all threads) spent while `f` runs; nothing else runs in this process meanwhile. */
async function timedCpu<T>(f: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const value = await f();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

async function minimalServer(env: Record<string, string> = {}): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', MINIMAL_SERVER], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  return waitReady(`http://127.0.0.1:${port}`, '/', child);
}

async function voiceApi(): Promise<Target> {
  const port = await freePort();
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'examples/voice-api/src/server.ts')], {
    env: { ...process.env, ...secrets, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return waitReady(`http://127.0.0.1:${port}`, '/readyz', child);
}

async function waitReady(url: string, probe: string, child: ChildProcess): Promise<Target> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url + probe).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not become ready`);
}

function table(title: string, rows: Record<string, unknown>[]): void {
  process.stdout.write(`\n${title}\n`);
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  process.stdout.write(`${keys.map((k, i) => k.padEnd(widths[i])).join('  ')}\n`);
  for (const row of rows)
    process.stdout.write(`${keys.map((k, i) => String(row[k]).padEnd(widths[i])).join('  ')}\n`);
}

function per1k(cpuMs: number, requests: number): number {
  return requests > 0 ? round((cpuMs / requests) * 1000) : 0;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
