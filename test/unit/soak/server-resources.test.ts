import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { HttpClient } from '../../../src/http/client.ts';
import { MergedWindow, RunTotals } from '../../../src/metrics/aggregate.ts';
import { Redactor } from '../../../src/run/redact.ts';
import { resolvePlan } from '../../../src/soak/plan.ts';
import {
  createResourceSampler,
  type ResourceSampler,
  serverGauges,
} from '../../../src/soak/server-resources.ts';
import { SoakJudge } from '../../../src/soak/verdicts/index.ts';
import type { ServiceHandle, StackHandle } from '../../../src/stack/types.ts';

const MiB = 1024 * 1024;

interface ProcessMemory {
  rssBytes: number;
  heapBytes: number;
  externalBytes: number;
  lagSec: number;
  cpuSeconds: number;
  openSockets: number;
}

/** A real HTTP server answering `/metrics` in Prometheus text, as prom-client would. */
class MetricsServer {
  memory: ProcessMemory = {
    rssBytes: 100e6,
    heapBytes: 30e6,
    externalBytes: 2e6,
    lagSec: 0.002,
    cpuSeconds: 1,
    openSockets: 3,
  };
  up = true;
  scrapes = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      this.scrapes += 1;
      if (!this.up || req.url !== '/metrics') {
        res.writeHead(this.up ? 404 : 503).end();
        return;
      }
      const m = this.memory;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        [
          '# HELP process_resident_memory_bytes Resident memory size in bytes.',
          '# TYPE process_resident_memory_bytes gauge',
          `process_resident_memory_bytes ${m.rssBytes}`,
          `process_cpu_seconds_total ${m.cpuSeconds}`,
          `nodejs_heap_size_used_bytes ${m.heapBytes}`,
          `nodejs_external_memory_bytes ${m.externalBytes}`,
          `nodejs_eventloop_lag_seconds ${m.lagSec}`,
          `voice_api_open_sockets{namespace="/voice"} ${m.openSockets}`,
          '',
        ].join('\n'),
      );
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const lb = new MetricsServer();
const replica1 = new MetricsServer();
const replica2 = new MetricsServer();
let http: HttpClient;

beforeAll(async () => {
  await Promise.all([lb, replica1, replica2].map((s) => s.listen()));
  http = new HttpClient({ baseUrl: lb.url, redactor: new Redactor() });
});
afterAll(async () => {
  await Promise.all([lb, replica1, replica2].map((s) => s.close()));
});
beforeEach(() => {
  for (const server of [lb, replica1, replica2]) {
    server.up = true;
    server.scrapes = 0;
  }
  // The load balancer would answer for one replica or the other; its numbers must never be used.
  lb.memory = { ...lb.memory, rssBytes: 999e6 };
});

function service(name: string, role: ServiceHandle['role'], url: string, port: number): ServiceHandle {
  return { name, role, url, port } as ServiceHandle;
}

/** The compose stack as the soak sees it: the entry (load balancer), two replicas and Redis. */
function composeStack(): StackHandle {
  return {
    kind: 'compose',
    baseUrl: lb.url,
    can: { signal: false, restart: false, pid: false },
    pid: () => undefined,
    services: () => [
      service('lb', 'entry', lb.url, lb.port),
      service('voice-api-1', 'replica', replica1.url, replica1.port),
      service('voice-api-2', 'replica', replica2.url, replica2.port),
      service('redis', 'dependency', 'tcp://127.0.0.1:6390', 6390),
    ],
  } as unknown as StackHandle;
}

function singleTarget(): StackHandle {
  return {
    kind: 'url',
    baseUrl: lb.url,
    can: { signal: false, restart: false, pid: false },
    pid: () => undefined,
  } as unknown as StackHandle;
}

describe('server resources on a stack with replicas', () => {
  it("samples each replica's /metrics at its own port, never the load balancer's", async () => {
    replica1.memory = { ...replica1.memory, rssBytes: 100e6, lagSec: 0.002, cpuSeconds: 10 };
    replica2.memory = { ...replica2.memory, rssBytes: 150e6, lagSec: 0.03, cpuSeconds: 20 };
    const sampler = await createResourceSampler(http, composeStack(), '/metrics');
    expect(sampler.source).toBe('prometheus');
    expect(sampler.replicas).toEqual([
      { service: 'voice-api-1', origin: `${replica1.url}/metrics` },
      { service: 'voice-api-2', origin: `${replica2.url}/metrics` },
    ]);
    expect(sampler.origin).toBe(`${replica1.url}/metrics, ${replica2.url}/metrics`);

    // One second later each replica used half a core.
    replica1.memory.cpuSeconds += 0.5;
    replica2.memory.cpuSeconds += 0.5;
    const sample = (await sampler.sample(1_000))!;
    expect(lb.scrapes).toBe(0);
    expect(sample.replicas?.['voice-api-1']).toMatchObject({
      rssBytes: 100e6,
      eventLoopLagMs: 2,
      cpuPct: 50,
    });
    expect(sample.replicas?.['voice-api-2']).toMatchObject({
      rssBytes: 150e6,
      eventLoopLagMs: 30,
      cpuPct: 50,
    });
    // The stack as a whole: memory, sockets and CPU add up; the event-loop lag is the worst replica's.
    expect(sample).toMatchObject({
      atMs: 1_000,
      rssBytes: 250e6,
      heapBytes: 60e6,
      externalBytes: 4e6,
      openSockets: 6,
      eventLoopLagMs: 30,
      cpuPct: 100,
    });

    const gauges = Object.fromEntries(serverGauges(sample));
    expect(gauges).toMatchObject({
      server_rss_bytes: 250e6,
      'server_rss_bytes{service=voice-api-1}': 100e6,
      'server_rss_bytes{service=voice-api-2}': 150e6,
      'server_heap_bytes{service=voice-api-2}': 30e6,
      'server_event_loop_lag_ms{service=voice-api-1}': 2,
      'server_open_sockets{service=voice-api-1}': 3,
      'server_cpu_pct{service=voice-api-2}': 50,
      server_event_loop_lag_ms: 30,
    });
  });

  it("keeps a replica's series when the other stops answering, without a partial stack total", async () => {
    const sampler = await createResourceSampler(http, composeStack(), '/metrics');
    replica2.up = false;
    const sample = (await sampler.sample(1_000))!;
    expect(Object.keys(sample.replicas ?? {})).toEqual(['voice-api-1']);
    expect(sample.rssBytes).toBeUndefined();
    const names = serverGauges(sample).map(([name]) => name);
    expect(names).toContain('server_rss_bytes{service=voice-api-1}');
    expect(names).not.toContain('server_rss_bytes');
    expect(names.some((n) => n.includes('voice-api-2'))).toBe(false);

    replica1.up = false;
    expect(await sampler.sample(2_000)).toBeNull();
  });

  it('has no resource source when no replica answers, rather than mixing them through the balancer', async () => {
    replica1.up = false;
    replica2.up = false;
    const sampler = await createResourceSampler(http, composeStack(), '/metrics');
    expect(sampler.source).toBe('none');
    expect(lb.scrapes).toBe(0);
  });

  it('samples the single target at baseUrl + metricsPath when the stack has no replicas', async () => {
    lb.memory = { ...lb.memory, rssBytes: 120e6 };
    const sampler = await createResourceSampler(http, singleTarget(), '/metrics');
    expect(sampler).toMatchObject({ source: 'prometheus', origin: `${lb.url}/metrics`, replicas: [] });
    const sample = (await sampler.sample(1_000))!;
    expect(sample.rssBytes).toBe(120e6);
    expect(sample.replicas).toBeUndefined();
    expect(serverGauges(sample).map(([name]) => name)).toEqual([
      'server_rss_bytes',
      'server_heap_bytes',
      'server_external_bytes',
      'server_event_loop_lag_ms',
      'server_open_sockets',
      'server_cpu_pct',
    ]);
    expect(replica1.scrapes + replica2.scrapes).toBe(0);
  });
});

describe('soak.memory-leak per replica', () => {
  /**
   * A 100 s soak (20 s warm-up, 10 s windows) sampled once a second from the real servers, with each
   * replica's memory at second `sec` given by `memory`. Also judges the stack's total memory as one
   * target would be judged, for comparison.
   */
  async function judgeRun(memory: (sec: number, replica: 1 | 2) => { rssBytes: number; heapBytes: number }) {
    const plan = resolvePlan(
      { durationSec: 100, warmupSec: 20, rampUpSec: 5, windowSec: 10, sessions: 10 },
      configSchema.parse({}).soak,
    );
    const sampler: ResourceSampler = await createResourceSampler(http, composeStack(), '/metrics');
    const judge = new SoakJudge(plan);
    judge.setResourceSource(sampler.source, sampler.origin, sampler.replicas);
    const wholeStack = new SoakJudge(plan);
    wholeStack.setResourceSource(sampler.source, sampler.origin);
    for (let window = 0; window < 10; window += 1) {
      for (let sec = window * 10; sec < (window + 1) * 10; sec += 1) {
        Object.assign(replica1.memory, memory(sec, 1));
        Object.assign(replica2.memory, memory(sec, 2));
        const sample = await sampler.sample(sec * 1000);
        expect(sample?.rssBytes).toEqual(expect.any(Number));
        judge.addResourceSample(sample!);
        wholeStack.addResourceSample({ ...sample!, replicas: undefined });
      }
      const merged = new MergedWindow(window * 10_000, (window + 1) * 10_000);
      judge.addWindow(merged, judge.phase(merged.startMs, merged.endMs));
      wholeStack.addWindow(merged, judge.phase(merged.startMs, merged.endMs));
    }
    expect(lb.scrapes).toBe(0);
    const leakCheck = (j: SoakJudge) => j.checks(new RunTotals()).find((c) => c.id === 'soak.memory-leak')!;
    return Object.assign(leakCheck(judge), { wholeStack: leakCheck(wholeStack) });
  }

  // Flat with some noise: the allocator and the collector never hold memory perfectly still.
  const flat = (sec: number) => ({
    rssBytes: 120e6 + ((sec * 7919) % 13) * 100_000,
    heapBytes: 30e6 + ((sec * 31) % 7) * 1e6,
  });

  it('passes when no replica leaks, judging each one', async () => {
    const check = await judgeRun(flat);
    expect(check.verdict, check.message).toBe('pass');
    expect(check.message).toMatch(
      /^no replica leaks \(2 of 2 judged\)\. voice-api-1: RSS .*voice-api-2: RSS /,
    );
    expect(check.evidence).toMatchObject({
      source: 'prometheus',
      leakingReplicas: [],
      replicas: [
        {
          service: 'voice-api-1',
          origin: `${replica1.url}/metrics`,
          verdict: 'pass',
          rss: { leaking: false },
        },
        {
          service: 'voice-api-2',
          origin: `${replica2.url}/metrics`,
          verdict: 'pass',
          rss: { leaking: false },
        },
      ],
    });
  });

  it('fails when one replica leaks, naming it, though the stack total grows too little to tell', async () => {
    const check = await judgeRun((sec, replica) => {
      if (replica === 1) return flat(sec);
      const grown = (6 * MiB * sec) / 60;
      return { rssBytes: 60e6 + grown, heapBytes: 30e6 + grown };
    });
    expect(check.verdict, check.message).toBe('fail');
    expect(check.message).toMatch(
      /^voice-api-2 leaks\. voice-api-1: .*within the bound.*voice-api-2: .*memory keeps growing/,
    );
    expect(check.evidence?.leakingReplicas).toEqual(['voice-api-2']);
    const [one, two] = check.evidence!.replicas as {
      service: string;
      verdict: string;
      rss: { slopeBytesPerMin: number; leaking: boolean };
      retained: { leaking: boolean };
    }[];
    expect(one).toMatchObject({ service: 'voice-api-1', verdict: 'pass', rss: { leaking: false } });
    expect(two).toMatchObject({ service: 'voice-api-2', verdict: 'fail', retained: { leaking: true } });
    expect(two.rss.slopeBytesPerMin / MiB).toBeCloseTo(6, 1);
    // 6 MiB/min on top of both replicas' memory is under 10% growth: judged as one, the leak hides.
    expect(check.wholeStack.verdict, check.wholeStack.message).toBe('pass');
  });

  it('skips, with each replica named, when no replica has enough samples after warm-up', async () => {
    const plan = resolvePlan(
      { durationSec: 100, warmupSec: 20, rampUpSec: 5, windowSec: 10, sessions: 10 },
      configSchema.parse({}).soak,
    );
    const sampler = await createResourceSampler(http, composeStack(), '/metrics');
    const judge = new SoakJudge(plan);
    judge.setResourceSource(sampler.source, sampler.origin, sampler.replicas);
    judge.addResourceSample((await sampler.sample(30_000))!);
    const check = judge.checks(new RunTotals()).find((c) => c.id === 'soak.memory-leak')!;
    expect(check.verdict).toBe('skip');
    expect(check.message).toContain('from every replica (voice-api-1 1, voice-api-2 1)');
  });
});
