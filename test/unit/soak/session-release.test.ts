import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/http/client.ts';
import { MetricSet } from '../../../src/metrics/metric-set.ts';
import { Redactor } from '../../../src/run/redact.ts';
import type { SoakScript } from '../../../src/soak/define.ts';
import type { SoakPlan } from '../../../src/soak/plan.ts';
import { SessionRuntime } from '../../../src/soak/session-runtime.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A real socket.io voice server on loopback: acks every chunk and pushes a reply for it. */
let server: Server;
let url: string;

beforeAll(async () => {
  const http = createServer();
  server = new Server(http);
  server.of('/voice').on('connection', (socket) => {
    socket.on('transcript', (chunk: { seq: number }, ack: (r: unknown) => void) => {
      ack({ ok: true });
      socket.emit('agent:reply', { seq: chunk.seq });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
});

const plan: SoakPlan = {
  durationMs: 30_000,
  sessions: 2,
  rampUpMs: 0,
  rampDownMs: 0,
  eventsPerSec: 20,
  warmupMs: 0,
  steadyFromMs: 0,
  steadyToMs: 30_000,
  windowMs: 1_000,
  sessionLifetimeMs: 300,
  ackTimeoutMs: 1_000,
  maxLostRate: 0,
  maxUnexpectedDisconnects: 0,
  leak: { maxSlopeBytesPerMin: 1, maxGrowthPct: 1, settleRatio: 1 },
  drift: { maxFactor: 2, minDeltaMs: 10 },
  generator: { maxEventLoopP99Ms: 50, maxCpuPct: 90, maxOverloadedWindowsPct: 10 },
  sessionsHeldPct: 90,
  loopbackSources: 0,
  workers: 1,
};

describe('SessionRuntime', () => {
  it('leaves nothing of a finished session reachable while the run goes on', async () => {
    const sessions: { socket: WeakRef<object>; raw: WeakRef<object>; context: WeakRef<object> }[] = [];
    const script: SoakScript = {
      async session(s) {
        const socket = await s.socket('/voice');
        sessions.push({ socket: new WeakRef(socket), raw: new WeakRef(socket.raw), context: new WeakRef(s) });
        for await (const { seq, intendedAt } of s.schedule()) {
          void socket.emitWithAck('transcript', { seq }, { seq, intendedAt });
          void socket.expectEvent('agent:reply', { seq }, undefined, { intendedAt });
        }
        await socket.drain();
        socket.close();
      },
    };
    const metrics = new MetricSet();
    const runtime = new SessionRuntime({
      plan,
      slots: [0, 1],
      script,
      http: new HttpClient({ baseUrl: url, redactor: new Redactor() }),
      metrics,
      baseUrl: url,
      socketUrl: url,
      secrets: {},
      sourceOffset: 0,
      onError: (message) => {
        throw new Error(message);
      },
    });
    runtime.start(performance.now());
    try {
      const deadline = Date.now() + 15_000;
      while (metrics.counter('sessions_ended') < 4 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(metrics.counter('sessions_ended')).toBeGreaterThanOrEqual(4);
      expect(metrics.counter('events_acked')).toBeGreaterThan(0);
      const finished = sessions.slice(0, 4);
      // WeakRefs keep their targets alive until the current job ends; the socket's close settles a tick later.
      await new Promise((resolve) => setTimeout(resolve, 100));
      gc();
      expect(runtime.active).toBeGreaterThan(0);
      expect(finished.map((f) => f.socket.deref() === undefined)).toEqual([true, true, true, true]);
      expect(finished.map((f) => f.raw.deref() === undefined)).toEqual([true, true, true, true]);
      expect(finished.map((f) => f.context.deref() === undefined)).toEqual([true, true, true, true]);
    } finally {
      await runtime.stop(1_000);
    }
  });
});
