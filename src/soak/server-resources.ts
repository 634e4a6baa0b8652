import { readFile } from 'node:fs/promises';
import type { HttpClient } from '../http/client.ts';
import { type PromSample, parsePrometheusText, promValue } from '../metrics/prometheus.ts';
import type { StackHandle } from '../stack/types.ts';

export interface ResourceSample {
  /** ms since the soak started. */
  atMs: number;
  rssBytes?: number;
  heapBytes?: number;
  /** The metric `heapBytes` came from, for the leak verdict's message. */
  heapMetric?: string;
  /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers). */
  externalBytes?: number;
  eventLoopLagMs?: number;
  openSockets?: number;
  cpuPct?: number;
  /**
   * Each replica's own sample on a stack with replicas (compose), by service name. The fields above
   * are then the whole stack's (see {@link aggregateReplicas}), set only when every replica answered.
   */
  replicas?: Record<string, ResourceSample>;
}

export type ResourceSource = 'prometheus' | 'pid' | 'none';

export interface ResourceSampler {
  readonly source: ResourceSource;
  /** Where the samples come from, for evidence: the metrics URL(s) or the PID. */
  readonly origin: string;
  /** The replicas sampled one by one, with their metrics URLs; empty for a single target. */
  readonly replicas: readonly ReplicaOrigin[];
  sample(atMs: number): Promise<ResourceSample | null>;
}

export interface ReplicaOrigin {
  service: string;
  origin: string;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SEC = 100;
const SCRAPE_TIMEOUT_MS = 3_000;
/** The heap metrics of Node's prom-client and Go's client_golang, in the order they are looked for. */
const HEAP_METRICS = ['nodejs_heap_size_used_bytes', 'go_memstats_heap_alloc_bytes'];
/** The JVM's, summed over its heap pools (Micrometer, then the Prometheus hotspot exports). */
const JVM_HEAP_METRICS = ['jvm_memory_used_bytes', 'jvm_memory_bytes_used'];
/** Every metric a scrape reads; the target's other series are not parsed. */
const SCRAPED = new Set([
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_seconds',
  'nodejs_external_memory_bytes',
  'voice_api_open_sockets',
  ...HEAP_METRICS,
  ...JVM_HEAP_METRICS,
]);

/**
 * Server resources on the soak's timeline: the target's Prometheus endpoint when it has one (RSS,
 * heap, external memory, event-loop lag, open sockets, CPU), else /proc for a local stack's PID (RSS, CPU), else none.
 * On a stack with replicas each replica's endpoint is scraped at its own port: through the load
 * balancer, successive scrapes would alternate between replicas and mix their series into one.
 */
export async function createResourceSampler(
  http: HttpClient,
  stack: StackHandle,
  metricsPath: string | false,
): Promise<ResourceSampler> {
  const replicas = (stack.services?.() ?? []).filter((s) => s.role === 'replica' && s.url.startsWith('http'));
  if (replicas.length > 0) {
    if (metricsPath) {
      const perReplica = replicasSampler(
        replicas.map((r) => ({
          service: r.name,
          sampler: prometheusSampler(http, `${r.url}${metricsPath}`),
        })),
      );
      if (await perReplica.sample(0)) return perReplica;
    }
    return NO_SAMPLER;
  }
  if (metricsPath) {
    const prometheus = prometheusSampler(http, metricsPath);
    if (await prometheus.sample(0)) return prometheus;
  }
  const pid = stack.can.pid ? stack.pid() : undefined;
  if (pid !== undefined) {
    const byPid = pidSampler(stack);
    if (await byPid.sample(0)) return byPid;
  }
  return NO_SAMPLER;
}

const NO_SAMPLER: ResourceSampler = {
  source: 'none',
  origin: 'none',
  replicas: [],
  sample: async () => null,
};

/**
 * The window gauges of a sample: `server_rss_bytes` and the like, plus, per replica,
 * `server_rss_bytes{service=voice-api-1}`. Values that are missing or not finite are left out.
 */
export function serverGauges(sample: ResourceSample): [string, number][] {
  const gauges: [string, number][] = [];
  const add = (s: ResourceSample, label: string) => {
    const values: [string, number | undefined][] = [
      ['server_rss_bytes', s.rssBytes],
      ['server_heap_bytes', s.heapBytes],
      ['server_external_bytes', s.externalBytes],
      ['server_event_loop_lag_ms', s.eventLoopLagMs],
      ['server_open_sockets', s.openSockets],
      ['server_cpu_pct', s.cpuPct],
    ];
    for (const [name, value] of values)
      if (value !== undefined && Number.isFinite(value)) gauges.push([`${name}${label}`, value]);
  };
  add(sample, '');
  for (const [service, replica] of Object.entries(sample.replicas ?? {}))
    add(replica, `{service=${service}}`);
  return gauges;
}

/**
 * The stack as a whole from its replicas: memory, sockets and CPU (in % of one core) add up; the
 * event-loop lag is the worst replica's. A field is left out unless every replica has it.
 */
function aggregateReplicas(samples: readonly ResourceSample[]): Omit<ResourceSample, 'atMs'> {
  const all = (pick: (s: ResourceSample) => number | undefined) => {
    const values = samples.map(pick);
    return values.every((v) => v !== undefined) ? (values as number[]) : undefined;
  };
  const sum = (pick: (s: ResourceSample) => number | undefined) => all(pick)?.reduce((a, b) => a + b, 0);
  const lags = all((s) => s.eventLoopLagMs);
  return {
    rssBytes: sum((s) => s.rssBytes),
    heapBytes: sum((s) => s.heapBytes),
    externalBytes: sum((s) => s.externalBytes),
    eventLoopLagMs: lags && Math.max(...lags),
    openSockets: sum((s) => s.openSockets),
    cpuPct: sum((s) => s.cpuPct),
  };
}

function replicasSampler(
  replicas: readonly { service: string; sampler: ResourceSampler }[],
): ResourceSampler {
  return {
    source: 'prometheus',
    origin: replicas.map((r) => r.sampler.origin).join(', '),
    replicas: replicas.map((r) => ({ service: r.service, origin: r.sampler.origin })),
    async sample(atMs) {
      const samples = await Promise.all(replicas.map((r) => r.sampler.sample(atMs)));
      const answered: Record<string, ResourceSample> = {};
      samples.forEach((sample, i) => {
        if (sample) answered[replicas[i].service] = sample;
      });
      const got = Object.values(answered);
      if (got.length === 0) return null;
      // A partial sum would read as a drop in the stack's memory; the replicas' own series still show.
      const whole = got.length === replicas.length ? aggregateReplicas(got) : {};
      return { atMs, ...whole, replicas: answered };
    },
  };
}

/** `pathOrUrl`: the metrics path on the target, or a replica's own metrics URL. */
function prometheusSampler(http: HttpClient, pathOrUrl: string): ResourceSampler {
  let lastCpu: { seconds: number; atMs: number } | undefined;
  return {
    source: 'prometheus',
    origin: http.url(pathOrUrl),
    replicas: [],
    async sample(atMs) {
      const exchange = await http.request({ path: pathOrUrl, auth: false, timeoutMs: SCRAPE_TIMEOUT_MS });
      if (exchange.response?.status !== 200) return null;
      const samples = parsePrometheusText(exchange.response.text(), SCRAPED);
      const rssBytes = promValue(samples, 'process_resident_memory_bytes');
      if (rssBytes === undefined) return null;
      const lag = promValue(samples, 'nodejs_eventloop_lag_seconds');
      const cpuSeconds = promValue(samples, 'process_cpu_seconds_total');
      const sample: ResourceSample = {
        atMs,
        rssBytes,
        ...heapOf(samples),
        externalBytes: promValue(samples, 'nodejs_external_memory_bytes'),
        eventLoopLagMs: lag === undefined ? undefined : lag * 1000,
        openSockets: promValue(samples, 'voice_api_open_sockets'),
      };
      if (cpuSeconds !== undefined) {
        if (lastCpu && atMs > lastCpu.atMs)
          sample.cpuPct = ((cpuSeconds - lastCpu.seconds) / ((atMs - lastCpu.atMs) / 1000)) * 100;
        lastCpu = { seconds: cpuSeconds, atMs };
      }
      return sample;
    },
  };
}

/**
 * The heap the target's runtime reports, by the first metric it exposes: Node's prom-client, Go's
 * client_golang, the JVM's (Micrometer or the Prometheus hotspot exports, summed over heap pools).
 * Python's prometheus_client reports only process memory (RSS), so a Python target has no heap.
 */
export function heapOf(samples: readonly PromSample[]): { heapBytes?: number; heapMetric?: string } {
  for (const name of HEAP_METRICS) {
    const value = promValue(samples, name);
    if (value !== undefined) return { heapBytes: value, heapMetric: name };
  }
  for (const name of JVM_HEAP_METRICS) {
    const heap = samples.filter((s) => s.name === name && s.labels.area === 'heap');
    if (heap.length > 0)
      return { heapBytes: heap.reduce((sum, s) => sum + s.value, 0), heapMetric: `${name}{area="heap"}` };
  }
  return {};
}

function pidSampler(stack: StackHandle): ResourceSampler {
  let lastCpu: { ticks: number; atMs: number } | undefined;
  return {
    source: 'pid',
    replicas: [],
    get origin() {
      return `pid ${stack.pid() ?? '?'}`;
    },
    async sample(atMs) {
      // The PID changes if a scenario restarted the target, so it is looked up every time.
      const pid = stack.pid();
      if (pid === undefined) return null;
      try {
        const [stat, status] = await Promise.all([
          readFile(`/proc/${pid}/stat`, 'utf8'),
          readFile(`/proc/${pid}/status`, 'utf8'),
        ]);
        const rssKb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        const sample: ResourceSample = { atMs, rssBytes: rssKb ? Number(rssKb) * 1024 : undefined };
        if (lastCpu && atMs > lastCpu.atMs)
          sample.cpuPct =
            ((ticks - lastCpu.ticks) / CLOCK_TICKS_PER_SEC / ((atMs - lastCpu.atMs) / 1000)) * 100;
        lastCpu = { ticks, atMs };
        return sample.rssBytes === undefined ? null : sample;
      } catch {
        return null;
      }
    },
  };
}
