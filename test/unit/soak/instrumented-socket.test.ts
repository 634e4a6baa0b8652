import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricSet } from '../../../src/metrics/metric-set.ts';
import { InstrumentedSocket } from '../../../src/soak/instrumented-socket.ts';

/**
 * A real socket.io server on loopback that misbehaves on cue: no ack for seq 3, seq 5 answered after
 * seq 6, the reply to seq 2 pushed twice, and transport drops on request.
 */
let server: Server;
let url: string;

beforeAll(async () => {
  const http = createServer();
  server = new Server(http);
  server.of('/t').on('connection', (socket) => {
    socket.on('transcript', (chunk: { seq: number }, ack: (r: unknown) => void) => {
      const answer = () => {
        ack({ seq: chunk.seq });
        socket.emit('agent:reply', { seq: chunk.seq });
        if (chunk.seq === 2) socket.emit('agent:reply', { seq: chunk.seq });
      };
      if (chunk.seq === 3) return;
      if (chunk.seq === 5) setTimeout(answer, 60);
      else answer();
    });
    socket.on('drop', () => socket.conn.close());
    socket.on('bye', (ack: (r: unknown) => void) => {
      ack({ ended: true });
      socket.disconnect(true);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
});

async function connect() {
  const metrics = new MetricSet();
  const released: InstrumentedSocket[] = [];
  const host = {
    metrics,
    ackTimeoutMs: 400,
    now: () => performance.now(),
    release: (s: InstrumentedSocket) => released.push(s),
  };
  const raw: Socket = io(`${url}/t`, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50 });
  const socket = new InstrumentedSocket(raw, host);
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  const sweeper = setInterval(() => socket.sweep(performance.now()), 20);
  return { socket, metrics, released, stop: () => clearInterval(sweeper) };
}

const waitFor = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('InstrumentedSocket', () => {
  it('counts acks, losses, out-of-order and duplicate arrivals by sequence number', async () => {
    const { socket, metrics, stop } = await connect();
    const acks = [];
    const replies = [];
    for (let seq = 0; seq < 8; seq += 1) {
      const intendedAt = performance.now() - 10;
      acks.push(socket.emitWithAck('transcript', { seq }, { seq, intendedAt }));
      replies.push(socket.expectEvent('agent:reply', { seq }, 400, { intendedAt }));
    }
    const ackResults = await Promise.all(acks);
    const replyResults = await Promise.all(replies);
    await socket.drain();
    stop();
    socket.close();

    expect(ackResults[3]).toEqual({ ok: false, reason: 'timeout' });
    expect(ackResults[5]).toMatchObject({ ok: true, ack: { seq: 5 } });
    // Latency is measured from the intended send time, 10 ms before the emit.
    expect(ackResults[0].latencyMs).toBeGreaterThanOrEqual(10);
    expect(replyResults[3]).toBeUndefined();
    expect(replyResults[6]).toEqual({ seq: 6 });

    const { counters, histograms } = metrics.take();
    expect(counters).toMatchObject({
      events_sent: 8,
      events_acked: 7,
      events_lost: 1,
      events_duplicated: 1,
      replies_missed: 1,
      'replies_missed{event=agent:reply}': 1,
    });
    // seq 5's ack and its reply both arrive after seq 6's.
    expect(counters.events_out_of_order).toBe(2);
    expect(Object.keys(histograms).sort()).toEqual(['event_rtt_ms', 'reply_latency_ms']);
  });

  it('times out each ack and reply at its own deadline, whatever was settled or added before it', async () => {
    const { socket, metrics, stop } = await connect();
    // Acked at once: the earliest deadline the sweep knows of (5 s away) is now stale.
    expect(await socket.emitWithAck('transcript', { seq: 0 }, { seq: 0, timeoutMs: 5_000 })).toMatchObject({
      ok: true,
    });
    // An earlier deadline added later must still be honoured, long before the stale one.
    let start = performance.now();
    expect(await socket.expectEvent('agent:reply', { seq: 99 }, 100)).toBeUndefined();
    expect(performance.now() - start).toBeGreaterThanOrEqual(100);
    expect(performance.now() - start).toBeLessThan(3_000);
    // And a later one is not settled before its time.
    start = performance.now();
    expect(await socket.emitWithAck('transcript', { seq: 3 }, { seq: 3, timeoutMs: 300 })).toEqual({
      ok: false,
      reason: 'timeout',
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(300);
    stop();
    socket.close();
    expect(metrics.take().counters).toMatchObject({ events_acked: 1, events_lost: 1, replies_missed: 1 });
  });

  it('measures from the actual send when the timer fired before the intended time', async () => {
    const { socket, metrics, stop } = await connect();
    // Ticks fire up to ~1 ms early (setTimeout rounds to the loop's millisecond clock); 20 ms early
    // makes the difference unmistakable: counted from the intended time, the RTT would be < 0.
    const intendedAt = performance.now() + 20;
    const reply = socket.expectEvent('agent:reply', { seq: 0 }, 400, { intendedAt });
    const ack = await socket.emitWithAck('transcript', { seq: 0 }, { seq: 0, intendedAt });
    await reply;
    stop();
    socket.close();
    expect(ack).toMatchObject({ ok: true });
    expect(ack.ok && ack.latencyMs).toBeGreaterThan(0);
    // The histogram's floor (0.001 ms) is where clamped negative latencies land: none may be there.
    expect(metrics.histogram('event_rtt_ms').min).toBeGreaterThan(0.001);
    expect(metrics.histogram('reply_latency_ms').min).toBeGreaterThan(0.001);
  });

  it('counts a transport drop as an unexpected disconnect, then times the reconnect', async () => {
    const { socket, metrics, stop } = await connect();
    socket.emit('drop');
    await waitFor(() => metrics.counter('reconnects') === 1);
    // An event sent after the reconnect is acked as usual.
    expect(await socket.emitWithAck('transcript', { seq: 0 }, { seq: 0 })).toMatchObject({ ok: true });
    stop();
    socket.close();
    const { counters, histograms } = metrics.take();
    expect(counters).toMatchObject({
      disconnects: 1,
      'disconnects{reason=transport close}': 1,
      reconnects: 1,
    });
    expect(histograms.reconnect_ms).toBeDefined();
  });

  it('treats a disconnect the script announced as expected', async () => {
    const { socket, metrics, released, stop } = await connect();
    socket.expectDisconnect();
    expect(await socket.emitWithAck('bye')).toMatchObject({ ok: true, ack: { ended: true } });
    await waitFor(() => !socket.connected);
    socket.close();
    stop();
    const { counters } = metrics.take();
    expect(counters.disconnects ?? 0).toBe(0);
    expect(counters.disconnects_expected).toBe(1);
    // Control messages (no seq) are not events.
    expect(counters.events_sent ?? 0).toBe(0);
    expect(released).toEqual([socket]);
  });

  it('counts acks cut off by the engine at the end of a run as abandoned, not lost', async () => {
    const { socket, metrics, stop } = await connect();
    const pending = socket.emitWithAck('transcript', { seq: 3 }, { seq: 3 });
    socket.abandon();
    expect(await pending).toEqual({ ok: false, reason: 'closed' });
    stop();
    const { counters } = metrics.take();
    expect(counters).toMatchObject({ events_sent: 1, events_abandoned: 1 });
    expect(counters.events_lost ?? 0).toBe(0);
  });
});
