/**
 * A soak worker thread: loads the script, plays its share of the session slots, and hands over one
 * window of metrics whenever the main thread asks. It never writes anything itself, except heap
 * snapshots when asked for them (HEAP_SNAPSHOT_ENV).
 */
import { writeHeapSnapshot } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { useSourceCondition } from '../config/ts-modules.ts';
import type { AuthProvider } from '../http/auth.ts';
import { HttpClient } from '../http/client.ts';
import { MetricSet } from '../metrics/metric-set.ts';
import { Redactor } from '../run/redact.ts';
import { GeneratorMonitor, starve, threadMemoryGauges } from './generator-monitor.ts';
import type { FromWorker, LiveStats, ToWorker, WorkerInit } from './protocol.ts';
import { loadSoakScript } from './script.ts';
import { SessionRuntime } from './session-runtime.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);

/**
 * Diagnostic hook for bench/soak.bench.ts: `SHAKEDOWN_SOAK_HEAP_SNAPSHOT_SEC=180,720` writes a heap
 * snapshot of each worker at those seconds of the run into the working directory, to compare what grew.
 */
export const HEAP_SNAPSHOT_ENV = 'SHAKEDOWN_SOAK_HEAP_SNAPSHOT_SEC';
const LIVE_EVERY_MS = 1_000;
const DISTINCT_ERRORS_LOGGED = 20;
// Voice tokens are minted by the target during the run; any JWT in a message is redacted by shape.
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

const redactor = new Redactor({ values: Object.values(init.secrets) });
const redact = (text: string) => redactor.text(text).replace(JWT, '<redacted>');
const auth = authFromMain(init.authHeaders);
const http = new HttpClient({ baseUrl: init.baseUrl, redactor, auth });
const metrics = new MetricSet();
const monitor = new GeneratorMonitor();
const loggedErrors = new Set<string>();

process.on('unhandledRejection', (reason) => {
  metrics.add('script_errors');
  logOnce(
    `unhandled rejection in the soak script: ${reason instanceof Error ? reason.message : String(reason)}`,
  );
});

// From the sources (this repository), the soak script's `import ... from 'shakedown'` resolves to them too.
if (import.meta.url.endsWith('.ts')) useSourceCondition();
const script = await loadSoakScript(init.scriptFile);
const runtime = new SessionRuntime({
  plan: init.plan,
  slots: init.slots,
  script,
  http,
  metrics,
  baseUrl: init.baseUrl,
  socketUrl: init.socketUrl,
  secrets: init.secrets,
  sourceOffset: init.sourceOffset,
  onError: (message) => logOnce(`session failed: ${message}`),
});

const totals = new Map<string, number>();
const lastLatency = { p95Ms: 0, p99Ms: 0, cpuPct: 0 };
let liveTimer: NodeJS.Timeout | undefined;
let starving: { stop(): void } | undefined;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start':
      runtime.start(message.epochMs - performance.timeOrigin);
      liveTimer = setInterval(() => post({ type: 'live', live: live() }), LIVE_EVERY_MS);
      if (init.starveMs > 0) starving = starve(init.starveMs);
      scheduleHeapSnapshots(message.epochMs);
      break;
    case 'window':
      post({ type: 'window', id: message.id, raw: takeWindow() });
      break;
    case 'stop':
      starving?.stop();
      void runtime.stop(message.graceMs).then(async () => {
        clearInterval(liveTimer);
        monitor.stop();
        await http.close();
        post({ type: 'stopped' });
      });
      break;
    case 'auth':
      auth.update(message.headers);
      break;
  }
});

post({ type: 'ready' });

function takeWindow() {
  runtime.closeWindowGauges();
  const generator = monitor.take();
  metrics.gauge('generator_cpu_pct', generator.cpuPct);
  metrics.gauge('generator_event_loop_p99_ms', generator.eventLoopP99Ms);
  metrics.gauge('generator_event_loop_max_ms', generator.eventLoopMaxMs);
  for (const [name, bytes] of Object.entries(threadMemoryGauges())) metrics.gauge(name, bytes);
  const rtt = metrics.histogram('event_rtt_ms');
  if (rtt.count > 0) Object.assign(lastLatency, { p95Ms: rtt.percentile(95), p99Ms: rtt.percentile(99) });
  lastLatency.cpuPct = generator.cpuPct;
  const raw = metrics.take();
  for (const [name, value] of Object.entries(raw.counters)) totals.set(name, (totals.get(name) ?? 0) + value);
  return raw;
}

function live(): LiveStats {
  const total = (name: string) => (totals.get(name) ?? 0) + metrics.counter(name);
  const rtt = metrics.histogram('event_rtt_ms');
  const fresh = rtt.count >= 20;
  return {
    active: runtime.active,
    sent: total('events_sent'),
    acked: total('events_acked'),
    lost: total('events_lost'),
    disconnects: total('disconnects'),
    p95Ms: fresh ? rtt.percentile(95) : lastLatency.p95Ms,
    p99Ms: fresh ? rtt.percentile(99) : lastLatency.p99Ms,
    cpuPct: lastLatency.cpuPct,
  };
}

function scheduleHeapSnapshots(epochMs: number): void {
  for (const sec of (process.env[HEAP_SNAPSHOT_ENV] ?? '').split(',').map(Number)) {
    if (!Number.isFinite(sec) || sec <= 0) continue;
    const write = () => writeHeapSnapshot(`heap-worker${init.workerIndex}-${sec}s.heapsnapshot`);
    setTimeout(write, Math.max(0, epochMs + sec * 1000 - Date.now())).unref();
  }
}

/** Logs each kind of error once: ids and numbers are ignored when comparing, so a 429 is one line, not hundreds. */
function logOnce(message: string): void {
  const safe = redact(message);
  const kind = safe.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/gi, '#');
  if (loggedErrors.has(kind) || loggedErrors.size >= DISTINCT_ERRORS_LOGGED) return;
  loggedErrors.add(kind);
  post({ type: 'log', level: 'warn', message: `${safe} (logged once; sessions_failed counts every one)` });
}

/** Credentials live on the main thread (they may be minted by a config function): ask it for fresh ones. */
function authFromMain(
  initial: Record<string, string>,
): AuthProvider & { update(h: Record<string, string>): void } {
  let current = Promise.resolve(initial);
  let settle: ((headers: Record<string, string>) => void) | undefined;
  return {
    headers: () => current,
    refresh() {
      if (settle) return;
      current = new Promise((resolve) => {
        settle = resolve;
      });
      post({ type: 'auth-refresh' });
    },
    update(headers) {
      settle?.(headers);
      settle = undefined;
      current = Promise.resolve(headers);
    },
  };
}
