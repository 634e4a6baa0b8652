import { readFile } from 'node:fs/promises';
import type { HttpClient } from '../http/client.ts';
import { parsePrometheusText, promValue } from '../metrics/prometheus.ts';
import type { StackHandle } from '../stack/types.ts';

export interface ResourceSample {
  /** ms since the soak started. */
  atMs: number;
  rssBytes?: number;
  heapBytes?: number;
  /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers). */
  externalBytes?: number;
  eventLoopLagMs?: number;
  openSockets?: number;
  cpuPct?: number;
}

export type ResourceSource = 'prometheus' | 'pid' | 'none';

export interface ResourceSampler {
  readonly source: ResourceSource;
  /** Where the samples come from, for evidence: the metrics URL or the PID. */
  readonly origin: string;
  sample(atMs: number): Promise<ResourceSample | null>;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SEC = 100;
const SCRAPE_TIMEOUT_MS = 3_000;

/**
 * Server resources on the soak's timeline: the target's Prometheus endpoint when it has one (RSS,
 * heap, external memory, event-loop lag, open sockets, CPU), else /proc for a local stack's PID (RSS, CPU), else none.
 */
export async function createResourceSampler(
  http: HttpClient,
  stack: StackHandle,
  metricsPath: string | false,
): Promise<ResourceSampler> {
  if (metricsPath) {
    const prometheus = prometheusSampler(http, metricsPath);
    if (await prometheus.sample(0)) return prometheus;
  }
  const pid = stack.can.pid ? stack.pid() : undefined;
  if (pid !== undefined) {
    const byPid = pidSampler(stack);
    if (await byPid.sample(0)) return byPid;
  }
  return { source: 'none', origin: 'none', sample: async () => null };
}

function prometheusSampler(http: HttpClient, metricsPath: string): ResourceSampler {
  let lastCpu: { seconds: number; atMs: number } | undefined;
  return {
    source: 'prometheus',
    origin: http.url(metricsPath),
    async sample(atMs) {
      const exchange = await http.request({ path: metricsPath, auth: false, timeoutMs: SCRAPE_TIMEOUT_MS });
      if (exchange.response?.status !== 200) return null;
      const samples = parsePrometheusText(exchange.response.text());
      const rssBytes = promValue(samples, 'process_resident_memory_bytes');
      if (rssBytes === undefined) return null;
      const lag = promValue(samples, 'nodejs_eventloop_lag_seconds');
      const cpuSeconds = promValue(samples, 'process_cpu_seconds_total');
      const sample: ResourceSample = {
        atMs,
        rssBytes,
        heapBytes: promValue(samples, 'nodejs_heap_size_used_bytes'),
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

function pidSampler(stack: StackHandle): ResourceSampler {
  let lastCpu: { ticks: number; atMs: number } | undefined;
  return {
    source: 'pid',
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
