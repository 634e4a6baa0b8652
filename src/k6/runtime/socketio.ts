/**
 * A small socket.io client over a plain WebSocket, for k6 (`k6/websockets`) and any runtime with the
 * browser WebSocket API. Engine.IO v4 / socket.io v5 framing, WebSocket transport only, text packets
 * only: open `0{...}`, ping `2` answered with pong `3`, namespace connect `40/ns,{auth}`, events
 * `42/ns,id[...]`, acks `43/ns,id[...]`, disconnect `41/ns,`.
 *
 * This file is copied as-is next to the exported k6 scripts: it imports nothing, so it runs under k6,
 * Node and a browser alike; the runtime's WebSocket and timers are handed in.
 */

/** What the adapter needs of a WebSocket: the subset `k6/websockets` and the browser API share. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number): void;
  // biome-ignore lint/suspicious/noExplicitAny: k6 and the DOM type the event differently.
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export interface SocketIoEnv {
  /** Opens a WebSocket to a URL (k6: `(url) => new WebSocket(url)`). */
  open(url: string): WebSocketLike;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SocketIoOptions {
  /** Base URL of the server (`http://host:port`, `ws://…` or `https://…`). */
  url: string;
  /** `/voice`; `/` for the main namespace. */
  namespace: string;
  /** Sent with the namespace connect packet (`socket.handshake.auth` on the server). */
  auth?: Record<string, unknown>;
  /** Engine.IO path, `/socket.io/` by default. */
  path?: string;
  env: SocketIoEnv;
  onConnect?: () => void;
  /** The server refused the namespace connect (`44`): its message, e.g. `unauthorized`. */
  onConnectError?: (message: string) => void;
  /** `io server disconnect`, `io client disconnect`, `ping timeout`, `transport close`, `transport error`. */
  onDisconnect?: (reason: string) => void;
}

export type AckHandler = (args: unknown[]) => void;

export interface SocketIoClient {
  readonly connected: boolean;
  /** The Engine.IO ping interval the server announced (ms), 0 before the open packet. */
  readonly pingIntervalMs: number;
  on(event: string, handler: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  /** Emits with an ack id; the handler gets the server's ack arguments. Returns the ack id. */
  emitWithAck(event: string, args: unknown[], onAck: AckHandler): number;
  /** Sends the namespace disconnect and closes the transport. */
  close(): void;
}

/** Engine.IO packet types (first character of a text frame). */
const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4' } as const;
/** socket.io packet types (the character after Engine.IO's `4`). */
const SIO = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4' } as const;

export function socketIoUrl(url: string, path = '/socket.io/'): string {
  const ws = url.replace(/^http/, 'ws').replace(/\/+$/, '');
  const p = path.endsWith('/') ? path : `${path}/`;
  return `${ws}${p.startsWith('/') ? p : `/${p}`}?EIO=4&transport=websocket`;
}

/** Splits a socket.io packet body (after the type) into namespace, ack id and JSON payload. */
export function parseSocketIoPacket(body: string): { namespace: string; id?: number; data?: unknown } {
  let rest = body;
  let namespace = '/';
  if (rest.startsWith('/')) {
    const comma = rest.indexOf(',');
    namespace = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  const digits = /^\d+/.exec(rest)?.[0];
  const id = digits === undefined ? undefined : Number(digits);
  if (digits !== undefined) rest = rest.slice(digits.length);
  return { namespace, id, data: rest === '' ? undefined : JSON.parse(rest) };
}

export function connectSocketIo(options: SocketIoOptions): SocketIoClient {
  const { env } = options;
  const nsp = options.namespace === '/' ? '' : options.namespace;
  const prefix = nsp === '' ? '' : `${nsp},`;
  const handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  const acks = new Map<number, AckHandler>();
  let nextAckId = 0;
  let connected = false;
  let closed = false;
  let pingIntervalMs = 0;
  let pingTimeoutMs = 0;
  let pingTimer: unknown = null;
  const ws = env.open(socketIoUrl(options.url, options.path));

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    const wasConnected = connected;
    connected = false;
    if (pingTimer !== null) env.clearTimeout(pingTimer);
    if (wasConnected) options.onDisconnect?.(reason);
    else options.onConnectError?.(reason);
  };
  // The server pings every pingInterval; no ping within pingInterval + pingTimeout means it is gone.
  const armPingWatch = () => {
    if (pingTimer !== null) env.clearTimeout(pingTimer);
    pingTimer = env.setTimeout(() => {
      finish('ping timeout');
      ws.close();
    }, pingIntervalMs + pingTimeoutMs);
  };
  const dispatch = (event: string, args: unknown[]) => {
    for (const handler of handlers.get(event) ?? []) handler(...args);
  };
  const onSocketIo = (type: string, body: string) => {
    const packet = parseSocketIoPacket(body);
    if (packet.namespace !== (nsp || '/')) return;
    if (type === SIO.connect) {
      connected = true;
      options.onConnect?.();
    } else if (type === SIO.connectError) {
      const message = (packet.data as { message?: string } | undefined)?.message ?? 'connect error';
      finish(message);
      ws.close();
    } else if (type === SIO.event && Array.isArray(packet.data)) {
      const [event, ...args] = packet.data as [string, ...unknown[]];
      dispatch(event, args);
    } else if (type === SIO.ack && packet.id !== undefined) {
      const handler = acks.get(packet.id);
      acks.delete(packet.id);
      handler?.(Array.isArray(packet.data) ? packet.data : []);
    } else if (type === SIO.disconnect) {
      finish('io server disconnect');
      ws.close();
    }
  };

  ws.addEventListener('message', (event: { data?: unknown }) => {
    if (typeof event.data !== 'string') return;
    const frame = event.data;
    const type = frame[0];
    if (type === EIO.open) {
      const open = JSON.parse(frame.slice(1)) as { pingInterval: number; pingTimeout: number };
      pingIntervalMs = open.pingInterval;
      pingTimeoutMs = open.pingTimeout;
      armPingWatch();
      ws.send(`${EIO.message}${SIO.connect}${prefix}${options.auth ? JSON.stringify(options.auth) : ''}`);
    } else if (type === EIO.ping) {
      armPingWatch();
      ws.send(EIO.pong);
    } else if (type === EIO.message) {
      onSocketIo(frame[1], frame.slice(2));
    } else if (type === EIO.close) {
      finish('transport close');
    }
  });
  ws.addEventListener('close', () =>
    finish(connected ? 'transport close' : 'transport closed before connect'),
  );
  ws.addEventListener('error', () => {
    finish('transport error');
  });

  const send = (id: number | undefined, event: string, args: unknown[]) => {
    if (!connected) return;
    ws.send(`${EIO.message}${SIO.event}${prefix}${id ?? ''}${JSON.stringify([event, ...args])}`);
  };

  return {
    get connected() {
      return connected;
    },
    get pingIntervalMs() {
      return pingIntervalMs;
    },
    on(event, handler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
    },
    emit(event, ...args) {
      send(undefined, event, args);
    },
    emitWithAck(event, args, onAck) {
      const id = nextAckId++;
      acks.set(id, onAck);
      send(id, event, args);
      return id;
    },
    close() {
      if (connected) ws.send(`${EIO.message}${SIO.disconnect}${prefix}`);
      finish('io client disconnect');
      ws.close();
    },
  };
}
