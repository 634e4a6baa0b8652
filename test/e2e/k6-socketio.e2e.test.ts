import { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { createSession, startInProcess, voiceToken } from '../../examples/voice-api/test/helpers.ts';
import { connectSocketIo, type SocketIoClient, type SocketIoEnv } from '../../src/k6/runtime/socketio.ts';

// The reference target keeps socket.io's default heartbeat (25 s); a session that outlives two ping
// intervals is tested with a short one, set where socket.io hands its options to Engine.IO.
const PING_INTERVAL_MS = 300;
const PING_TIMEOUT_MS = 200;
const proto = Server.prototype as unknown as {
  initEngine(srv: unknown, opts: Record<string, unknown>): void;
};
const initEngine = proto.initEngine;
proto.initEngine = function (srv, opts) {
  return initEngine.call(this, srv, {
    ...opts,
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
  });
};

/** Node's global WebSocket behind the interface k6/websockets offers, with frames counted. */
function nodeEnv(frames: { sent: string[]; received: string[] }): SocketIoEnv {
  return {
    open(url) {
      const ws = new WebSocket(url);
      ws.addEventListener('message', (e) => frames.received.push(String(e.data)));
      return {
        send(data) {
          frames.sent.push(data);
          ws.send(data);
        },
        close: (code) => ws.close(code),
        addEventListener: (type, listener) => ws.addEventListener(type, listener),
      };
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

function connect(url: string, token: unknown, env: SocketIoEnv) {
  const disconnects: string[] = [];
  return new Promise<{ socket: SocketIoClient; disconnects: string[] }>((resolve, reject) => {
    const socket = connectSocketIo({
      url,
      namespace: '/voice',
      auth: { token },
      env,
      onConnect: () => resolve({ socket, disconnects }),
      onConnectError: (message) => reject(new Error(message)),
      onDisconnect: (reason) => disconnects.push(reason),
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the k6 socket.io adapter against the reference target', () => {
  it('connects with auth, gets 100 acks and pushes, outlives two pings, and disconnects cleanly', async () => {
    const { url, env } = await startInProcess();
    const session = await createSession(url, env);
    const token = await voiceToken(url, env, session.id);
    const frames = { sent: [] as string[], received: [] as string[] };
    const { socket, disconnects } = await connect(url, token, nodeEnv(frames));
    expect(socket.connected).toBe(true);
    expect(socket.pingIntervalMs).toBe(PING_INTERVAL_MS);
    expect(frames.sent[0]).toBe(`40/voice,${JSON.stringify({ token })}`);

    const replies = new Set<number>();
    socket.on('agent:reply', (reply) => replies.add((reply as { seq: number }).seq));
    const acks = await Promise.all(
      Array.from(
        { length: 100 },
        (_, seq) =>
          new Promise<{ seq: number; receivedAt: string }>((resolve) =>
            socket.emitWithAck('transcript', [{ sessionId: session.id, seq, text: `chunk ${seq}` }], (args) =>
              resolve(args[0] as { seq: number; receivedAt: string }),
            ),
          ),
      ),
    );
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(acks.every((a) => typeof a.receivedAt === 'string')).toBe(true);
    await sleep(200);
    expect(replies.size).toBe(100);

    // Idle past two ping intervals + timeout: only answered pings keep the session alive.
    await sleep(2 * PING_INTERVAL_MS + PING_TIMEOUT_MS + 300);
    expect(frames.received.filter((f) => f === '2').length).toBeGreaterThanOrEqual(2);
    expect(frames.sent.filter((f) => f === '3').length).toBe(frames.received.filter((f) => f === '2').length);
    expect(socket.connected).toBe(true);
    expect(disconnects).toEqual([]);
    const late = await new Promise<unknown[]>((resolve) =>
      socket.emitWithAck('transcript', [{ sessionId: session.id, seq: 100, text: 'still here' }], resolve),
    );
    expect(late[0]).toMatchObject({ seq: 100 });

    // session:end makes the server end the namespace: an `io server disconnect`.
    const ended = await new Promise<unknown[]>((resolve) => socket.emitWithAck('session:end', [], resolve));
    expect(ended[0]).toEqual({ ended: true });
    await sleep(100);
    expect(disconnects).toEqual(['io server disconnect']);
    expect(socket.connected).toBe(false);
  });

  it('says why a connect without a valid token is refused, and closes cleanly from the client side', async () => {
    const { url, env } = await startInProcess();
    await expect(connect(url, 'not-a-token', nodeEnv({ sent: [], received: [] }))).rejects.toThrow(
      'unauthorized',
    );
    const session = await createSession(url, env);
    const frames = { sent: [] as string[], received: [] as string[] };
    const { socket, disconnects } = await connect(
      url,
      await voiceToken(url, env, session.id),
      nodeEnv(frames),
    );
    socket.close();
    expect(frames.sent.at(-1)).toBe('41/voice,');
    expect(disconnects).toEqual(['io client disconnect']);
    expect(socket.connected).toBe(false);
  });
});
