/**
 * What a soak costs the machine running it, against a bare socket.io-client script doing the same
 * emits and acks against the same server at the same time:
 *
 *   - CPU per acked event (whole process, after warm-up), as a ratio to the bare script (goal ≤ 1.2×),
 *     and each process's CPU in each third of the steady state (a cost that rises with the run);
 *   - RSS per session (marginal: window growth over session growth) and in total;
 *   - sessions held on one worker with the generator's event-loop p99 (goal < 50 ms), and the
 *     sessions one core could hold at this CPU cost (projected; goal ≥ 2,000 at 2 events/s);
 *   - the generator's RSS, heap used, external and array buffers from the warm-up's end (minute 2 of a
 *     15-minute run) to the end: growth between the endpoints, between the first and last minute's
 *     means, and along the fitted line, with its slope in MiB/h, beside the bare script's own (goal < 5%).
 *
 *   node bench/soak.bench.ts                      # 200 sessions, 30 s
 *   BENCH_SESSIONS=2000 BENCH_DURATION_SEC=900 node bench/soak.bench.ts
 *
 * No assertions: it prints a table and one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mintHs256Token } from '../src/http/jwt.ts';
import type { RunSummary } from '../src/run/model.ts';
import { freePort } from '../src/stack/free-port.ts';
import type { ProcessSample } from './bare-socketio-client.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const sessions = Number(process.env.BENCH_SESSIONS ?? 200);
const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 30);
const eventsPerSec = Number(process.env.BENCH_EVENTS_PER_SEC ?? 2);
const warmupSec = Number(process.env.BENCH_WARMUP_SEC ?? Math.min(120, Math.max(10, durationSec / 5)));
const windowSec = durationSec >= 300 ? 10 : 5;
// BENCH_HEAP_SNAPSHOT_SEC=180,720: heap snapshots of the soak's worker at those seconds, kept in
// BENCH_HEAP_SNAPSHOT_DIR (default <tmp>/shakedown-heap) for bench/heap-diff.ts to compare.
const heapSnapshotSec = process.env.BENCH_HEAP_SNAPSHOT_SEC ?? '';
const heapSnapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR ?? path.join(tmpdir(), 'shakedown-heap');
// Node flags for both processes. BENCH_CPU_PROF_DIR=dir: CPU profiles of the soak (every thread) and
// the bare script, for --cpu-prof readers. BENCH_NODE_ARGS='--perf-basic-prof': any other flags (that
// one names JIT frames for `perf record -g -p <pid>`).
const nodeArgs = [
  ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ...(process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : []),
];
const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();

const secrets = {
  JWT_SECRET: randomBytes(32).toString('base64url'),
  WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
};

const server = await startServer();
try {
  const token = await mintHs256Token(secrets.JWT_SECRET);
  process.stderr.write(
    `bench: ${sessions} sessions × ${eventsPerSec} ev/s, ${durationSec} s (${warmupSec} s warm-up)\n`,
  );
  // Side by side, so both pay for the same machine load (this bench runs on shared CI machines too).
  process.stderr.write('bench: shakedown soak and the bare socket.io-client reference, side by side…\n');
  const [bare, soak] = await Promise.all([runBare(server.url, token), runSoak(server.url)]);
  report(bare, soak);
} finally {
  server.process.kill('SIGKILL');
}

async function startServer(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'examples/voice-api/src/server.ts')], {
    env: {
      ...process.env,
      ...secrets,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'sessions=1000000/60,token=1000000/60,transcripts=1000000/60',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the voice-api did not become ready');
}

interface Bare {
  sessions: number;
  acked: number;
  cpuMs: number;
  wallMs: number;
  rssBytes: number;
  memory: ProcessSample[];
}

async function runBare(url: string, token: string): Promise<Bare> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bench/bare-socketio-client.ts')], {
    env: {
      ...process.env,
      BARE_URL: url,
      BARE_TOKEN: token,
      BARE_SESSIONS: String(sessions),
      BARE_EVENTS_PER_SEC: String(eventsPerSec),
      BARE_WARMUP_SEC: String(warmupSec),
      BARE_DURATION_SEC: String(durationSec),
      BARE_SAMPLE_SEC: String(windowSec),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out.trim().split('\n').at(-1)!) as Bare;
}

interface Soak {
  summary: RunSummary;
  cpuMs: number;
  /** CPU over the steady state by thread: `main`, the soak's `WorkerThread`s, V8's GC helpers (`V8Worker`). */
  threadCpuMs: Record<string, number>;
  /** Process CPU at the steady state's start, its thirds and its end: a cost that rises with the run shows here. */
  cpuMarks: CpuMark[];
  acked: number;
  wallMs: number;
}

async function runSoak(url: string): Promise<Soak> {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'shakedown-bench-')));
  const api = pathToFileURL(path.join(ROOT, 'src/index.ts')).href;
  writeFileSync(
    path.join(dir, 'shakedown.config.ts'),
    `import { defineConfig, mintHs256Token } from ${JSON.stringify(api)};
export default defineConfig({
  secrets: ${JSON.stringify(secrets)},
  target: { auth: { type: 'bearer', token: () => mintHs256Token(${JSON.stringify(secrets.JWT_SECRET)}) } },
  soak: ${JSON.stringify({
    script: path.join(ROOT, 'soak/voice-sessions.soak.ts'),
    sessions,
    eventsPerSec,
    durationSec,
    warmupSec,
    rampUpSec: Math.min(10, warmupSec),
    windowSec,
    // Sessions live the whole run and share one source address, like the bare script's.
    sessionLifetimeSec: durationSec * 2,
    loopbackSources: 0,
  })},
  reporters: ['json'],
});
`,
  );
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join(ROOT, 'bin/shakedown.js'), 'soak', '--quiet', '--target', url],
    {
      cwd: dir,
      env: { ...process.env, SHAKEDOWN_SOAK_HEAP_SNAPSHOT_SEC: heapSnapshotSec },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const pid = child.pid!;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const runDir = () => realpathSync(path.join(dir, 'reports', 'latest'));

  // CPU from /proc at the soak's steady start, its thirds and its end, located by its epoch (the
  // suite-start event); by thread at the start and the end.
  let epochMs: number | null = null;
  let threadsAtSteady = new Map<string, { name: string; ms: number }>();
  let threadsAtEnd = new Map<string, { name: string; ms: number }>();
  const cpuMarks: CpuMark[] = [];
  while (cpuMarks.length < 4) {
    await new Promise((r) => setTimeout(r, 200));
    epochMs ??= suiteStart(runDir);
    if (epochMs === null) continue;
    const now = Date.now();
    if (now < epochMs + (warmupSec + ((durationSec - warmupSec) * cpuMarks.length) / 3) * 1000) continue;
    cpuMarks.push({ atSec: now / 1000, cpuMs: processCpuMs(pid) });
    if (cpuMarks.length === 1) threadsAtSteady = threadCpuMs(pid);
    if (cpuMarks.length === 4) threadsAtEnd = threadCpuMs(pid);
  }
  await exited;
  const summary = JSON.parse(readFileSync(path.join(runDir(), 'summary.json'), 'utf8')) as RunSummary;
  if (heapSnapshotSec) {
    mkdirSync(heapSnapshotDir, { recursive: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')))
      renameSync(path.join(dir, file), path.join(heapSnapshotDir, file));
  }
  rmSync(dir, { recursive: true, force: true });
  const steady = summary.suites[0].intervals.filter(
    (i) => i.startMs >= warmupSec * 1000 && i.endMs <= durationSec * 1000,
  );
  const threadCpu: Record<string, number> = {};
  for (const [tid, { name, ms }] of threadsAtEnd) {
    const label = tid === String(pid) ? 'main' : name;
    threadCpu[label] = (threadCpu[label] ?? 0) + ms - (threadsAtSteady.get(tid)?.ms ?? 0);
  }
  return {
    summary,
    threadCpuMs: threadCpu,
    cpuMarks,
    cpuMs: cpuMarks[3].cpuMs - cpuMarks[0].cpuMs,
    acked: steady.reduce((n, i) => n + (i.metrics.counters.events_acked ?? 0), 0),
    wallMs: (cpuMarks[3].atSec - cpuMarks[0].atSec) * 1000,
  };
}

function suiteStart(runDir: () => string): number | null {
  try {
    const line = readFileSync(path.join(runDir(), 'events.ndjson'), 'utf8')
      .split('\n')
      .find((l) => l.includes('"type":"suite-start"'));
    return line ? Date.parse(JSON.parse(line).at) : null;
  } catch {
    return null;
  }
}

function processCpuMs(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
}

/** Every thread's CPU so far, by thread id, with its name. */
function threadCpuMs(pid: number): Map<string, { name: string; ms: number }> {
  const threads = new Map<string, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      threads.set(tid, { name, ms: processCpuMs(`${pid}/task/${tid}`) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

interface MemoryPoint extends Omit<ProcessSample, 'cpuMs'> {
  /** RSS less the committed heaps and external memory: code, the allocator's arenas, thread stacks. */
  native: number;
}

type MemoryKey = keyof Omit<MemoryPoint, 'atSec'>;

function withNative(p: Omit<ProcessSample, 'cpuMs'>): MemoryPoint {
  return { ...p, native: p.rss - p.heapTotal - p.external };
}

/**
 * Growth from the first to the last point, from the mean of the first minute to the mean of the last
 * (minute 2 to minute 15 of a 15-minute run, each read six times), the least-squares slope (so a
 * longer run can be projected) and the growth along the fitted line over the same span: a point is
 * RSS at one instant, high or low by where the garbage collector stood, while a minute's mean and the
 * line weigh several.
 */
function growth(points: readonly MemoryPoint[], key: MemoryKey) {
  const first = points[0][key];
  const last = points.at(-1)![key];
  const n = points.length;
  const meanX = points.reduce((a, p) => a + p.atSec, 0) / n;
  const meanY = points.reduce((a, p) => a + p[key], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.atSec - meanX) * (p[key] - meanY);
    sxx += (p.atSec - meanX) ** 2;
  }
  const bytesPerSec = sxx > 0 ? sxy / sxx : 0;
  const fittedFirst = meanY + bytesPerSec * (points[0].atSec - meanX);
  const spanSec = points.at(-1)!.atSec - points[0].atSec;
  const meanOf = (part: readonly MemoryPoint[]) => part.reduce((a, p) => a + p[key], 0) / part.length;
  const minute = Math.min(60, spanSec / 3);
  const firstMinute = meanOf(points.filter((p) => p.atSec <= points[0].atSec + minute));
  const lastMinute = meanOf(points.filter((p) => p.atSec >= points.at(-1)!.atSec - minute));
  return {
    firstBytes: first,
    lastBytes: last,
    growthPct: ((last - first) / first) * 100,
    minuteMeansGrowthPct: ((lastMinute - firstMinute) / firstMinute) * 100,
    fittedGrowthPct: fittedFirst > 0 ? ((bytesPerSec * spanSec) / fittedFirst) * 100 : 0,
    slopeMiBPerHour: (bytesPerSec * 3600) / 1024 ** 2,
  };
}

/** A process's CPU (user + system) so far, and when it was read. */
type CpuMark = Pick<ProcessSample, 'atSec' | 'cpuMs'>;

/** CPU as % of a core between consecutive marks. */
function cpuPctByThird(marks: readonly CpuMark[]): number[] {
  return marks
    .slice(1)
    .map((m, i) => ((m.cpuMs - marks[i].cpuMs) / ((m.atSec - marks[i].atSec) * 1000)) * 100);
}

/** The samples nearest the start, the two third boundaries and the end of the sampled span. */
function thirdMarks(samples: readonly CpuMark[]): CpuMark[] {
  const from = samples[0].atSec;
  const span = samples.at(-1)!.atSec - from;
  return [0, 1, 2, 3].map((k) => {
    const at = from + (span * k) / 3;
    return samples.reduce((best, s) => (Math.abs(s.atSec - at) < Math.abs(best.atSec - at) ? s : best));
  });
}

function report(bare: Bare, soak: Soak): void {
  const intervals = soak.summary.suites[0].intervals;
  const steady = intervals.filter((i) => i.startMs >= warmupSec * 1000 && i.endMs <= durationSec * 1000);
  const gauge = (i: (typeof intervals)[number], name: string) => i.metrics.gauges[name] ?? 0;
  const last = steady.at(-1)!;
  const soakUsPerEvent = (soak.cpuMs * 1000) / Math.max(1, soak.acked);
  const bareUsPerEvent = (bare.cpuMs * 1000) / Math.max(1, bare.acked);
  const soakCpuPct = (soak.cpuMs / soak.wallMs) * 100;
  const heldSessions = steady.reduce((n, i) => n + gauge(i, 'sessions_active_avg'), 0) / steady.length;
  const loopP99Max = Math.max(...steady.map((i) => gauge(i, 'generator_event_loop_p99_ms')));
  const rssSteady = gauge(last, 'generator_rss_bytes');
  // Marginal memory per session: between the first window (ramp-up under way) and the steady state;
  // meaningless when the first window already held most sessions (a short ramp-up).
  const rampWindow = intervals[0];
  const rampSessions = gauge(rampWindow, 'sessions_active');
  const marginal =
    rampSessions < heldSessions / 2
      ? (rssSteady - gauge(rampWindow, 'generator_rss_bytes')) / (heldSessions - rampSessions)
      : null;
  const projectedPerCore =
    soakCpuPct > 0 ? Math.floor((heldSessions * 100) / soakCpuPct) : Number.POSITIVE_INFINITY;
  // The memory series from the warm-up's end (minute 2 of a 15-minute run) to the end, for both.
  const soakMemory: MemoryPoint[] = [
    { ...memoryAt(steady[0], 'start'), atSec: steady[0].startMs / 1000 },
    ...steady.map((i) => ({ ...memoryAt(i, 'end'), atSec: i.endMs / 1000 })),
  ].filter((p) => p.rss > 0);
  function memoryAt(i: (typeof intervals)[number], at: 'start' | 'end'): MemoryPoint {
    // Gauges are read when a window closes: a window's start is the one before it's end.
    const source = at === 'end' ? i : intervals[intervals.indexOf(i) - 1];
    if (!source)
      return withNative({ atSec: 0, rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 });
    return withNative({
      atSec: 0,
      rss: gauge(source, 'generator_rss_bytes'),
      heapUsed: gauge(source, 'generator_heap_used_bytes'),
      heapTotal: gauge(source, 'generator_heap_total_bytes'),
      external: gauge(source, 'generator_external_bytes'),
      arrayBuffers: gauge(source, 'generator_array_buffers_bytes'),
    });
  }
  const bareMemory = bare.memory.map(withNative);
  const keys = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'native'] as const;
  const memory = Object.fromEntries(
    keys.map((k) => [k, { shakedown: growth(soakMemory, k), bare: growth(bareMemory, k) }]),
  ) as Record<
    (typeof keys)[number],
    { shakedown: ReturnType<typeof growth>; bare: ReturnType<typeof growth> }
  >;
  const rssPerSession = { shakedown: rssSteady / heldSessions, bare: bare.rssBytes / bare.sessions };

  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const pct = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
  const growthCell = (g: ReturnType<typeof growth>) =>
    `${mib(g.firstBytes)} → ${mib(g.lastBytes)} (${pct(g.growthPct)}; minute means ${pct(g.minuteMeansGrowthPct)}; fitted ${pct(g.fittedGrowthPct)}, ${g.slopeMiBPerHour.toFixed(1)} MiB/h)`;
  const rows: [string, string, string, string][] = [
    ['', 'shakedown soak', 'bare socket.io-client', 'ratio'],
    ['acked events after warm-up', String(soak.acked), String(bare.acked), ''],
    [
      'CPU per acked event',
      `${soakUsPerEvent.toFixed(1)} µs`,
      `${bareUsPerEvent.toFixed(1)} µs`,
      `${(soakUsPerEvent / bareUsPerEvent).toFixed(2)}× (goal ≤ 1.2×)`,
    ],
    ['RSS total', mib(rssSteady), mib(bare.rssBytes), (rssSteady / bare.rssBytes).toFixed(2)],
    [
      'RSS per session (total / sessions)',
      kib(rssPerSession.shakedown),
      kib(rssPerSession.bare),
      `${(rssPerSession.shakedown / rssPerSession.bare).toFixed(2)}× (goal ≤ 1.5×)`,
    ],
    ['RSS per session (marginal)', marginal === null ? 'n/a (ramp-up in one window)' : kib(marginal), '', ''],
    [
      `RSS from ${warmupSec} s to the end`,
      growthCell(memory.rss.shakedown),
      growthCell(memory.rss.bare),
      'goal < 5%',
    ],
    ['heap used', growthCell(memory.heapUsed.shakedown), growthCell(memory.heapUsed.bare), ''],
    ['heap committed', growthCell(memory.heapTotal.shakedown), growthCell(memory.heapTotal.bare), ''],
    ['external', growthCell(memory.external.shakedown), growthCell(memory.external.bare), ''],
    ['array buffers', growthCell(memory.arrayBuffers.shakedown), growthCell(memory.arrayBuffers.bare), ''],
    [
      'native (RSS − committed heap − external)',
      growthCell(memory.native.shakedown),
      growthCell(memory.native.bare),
      '',
    ],
  ];
  const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(width[c])).join('  ')}\n`);
  process.stdout.write(
    `\nsessions held on 1 worker: ${heldSessions.toFixed(0)} of ${sessions} at ${eventsPerSec} ev/s, generator event-loop p99 max ${loopP99Max.toFixed(1)} ms (goal < 50), process CPU ${soakCpuPct.toFixed(0)}% of a core → ~${projectedPerCore} sessions per core projected (BENCH_MODE=scale measures it)\n`,
  );
  // Where the soak's CPU went, per acked event: its main thread, its worker(s), V8's helper threads.
  const perEvent = (ms: number) => (ms * 1000) / Math.max(1, soak.acked);
  const threads = Object.entries(soak.threadCpuMs).sort((a, b) => b[1] - a[1]);
  // Both whole processes over the steady state's thirds: if the bare client's cost rises as much, the rise is
  // socket.io's or the machine's, not the harness's.
  const processThirds = {
    shakedown: cpuPctByThird(soak.cpuMarks),
    bare: cpuPctByThird(thirdMarks(bare.memory)),
  };
  const thirdsCell = (t: number[]) => t.map((v) => `${v.toFixed(1)}%`).join(' → ');
  process.stdout.write(
    `soak CPU per acked event by thread: ${threads.map(([name, ms]) => `${name} ${perEvent(ms).toFixed(1)} µs`).join(', ')}\n` +
      `process CPU by third of the steady state (% of a core): shakedown ${thirdsCell(processThirds.shakedown)}, bare ${thirdsCell(processThirds.bare)}\n`,
  );
  const result = {
    bench: 'soak.generator-cost',
    sessions,
    eventsPerSec,
    durationSec,
    warmupSec,
    loadAverage: { before: loadBefore, after: readFileSync('/proc/loadavg', 'utf8').trim() },
    cpuPerAckedEventUs: {
      shakedown: soakUsPerEvent,
      bare: bareUsPerEvent,
      ratio: soakUsPerEvent / bareUsPerEvent,
      shakedownByThread: Object.fromEntries(threads.map(([name, ms]) => [name, perEvent(ms)])),
      processCpuPctByThird: processThirds,
    },
    rssPerSessionBytes: {
      shakedownTotal: rssPerSession.shakedown,
      shakedownMarginal: marginal,
      bareTotal: rssPerSession.bare,
      ratio: rssPerSession.shakedown / rssPerSession.bare,
    },
    memoryAfterWarmup: memory,
    heldSessions,
    generatorEventLoopP99MaxMs: loopP99Max,
    projectedSessionsPerCore: projectedPerCore,
    generatorRssGrowthPct: memory.rss.shakedown.growthPct,
    generatorRssMinuteMeansGrowthPct: memory.rss.shakedown.minuteMeansGrowthPct,
    generatorRssFittedGrowthPct: memory.rss.shakedown.fittedGrowthPct,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (process.env.BENCH_WRITE_RESULT) {
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}
