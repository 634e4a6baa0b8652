// The load balancer of the composed stack (docker-compose.test.yml): round robin over the replicas,
// HTTP and WebSocket, with passive health checks. Node built-ins only, so it runs from the same Node
// image as the service. Why not nginx: see README.md beside this file.
import http from 'node:http';
import net from 'node:net';

export interface BalancerOptions {
  /** `host:port` of each replica. */
  upstreams: readonly string[];
  /** Polled on a replica taken out of rotation; it comes back when this answers 200. */
  readyPath?: string;
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  log?: (fields: Record<string, unknown>) => void;
}

export interface UpstreamState {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  up: boolean;
  /** Why it is out of rotation (or what brought it back). */
  reason: string;
}

export interface Balancer {
  readonly server: http.Server;
  readonly upstreams: readonly UpstreamState[];
  close(): Promise<void>;
}

/** Lets the balancer answer for itself; never forwarded. 200 while at least one replica is in rotation. */
export const HEALTH_PATH = '/__lb/health';

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Passive health: a replica leaves the rotation when a connection to it fails, or when it answers
 * `Connection: close` on a keep-alive connection (a draining replica says so on every response).
 * It returns only once its readiness path answers 200, so a replica that is starting, or has lost
 * its dependencies, gets no traffic. A request is retried on another replica only when it never
 * reached one (connection refused or timed out); once sent, a failure is the client's 502 (or a cut
 * response), as nginx does for non-idempotent requests: the replica may have acted on it.
 */
export function createBalancer(options: BalancerOptions): Balancer {
  const readyPath = options.readyPath ?? '/readyz';
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const log = options.log ?? (() => {});
  const upstreams: UpstreamState[] = options.upstreams.map(parseUpstream);
  // Idle sockets are dropped after 2 s, before a Node server's 5 s keep-alive timeout closes them:
  // reusing a socket the server is closing at that instant would fail a request that never arrived.
  const agent = new http.Agent({ keepAlive: true, timeout: 2_000 });
  const tunnels = new Set<net.Socket>();
  let next = 0;

  const setState = (u: UpstreamState, up: boolean, reason: string) => {
    if (u.up === up) return;
    u.up = up;
    u.reason = reason;
    log({ msg: up ? 'upstream in rotation' : 'upstream out of rotation', upstream: u.label, reason });
  };

  /** Replicas to try, in round-robin order: those in rotation, or every one when none is (fail open). */
  const candidates = (): UpstreamState[] => {
    const start = next++ % upstreams.length;
    const ordered = upstreams.map((_, i) => upstreams[(start + i) % upstreams.length]);
    const inRotation = ordered.filter((u) => u.up);
    return inRotation.length > 0 ? inRotation : ordered;
  };

  const server = http.createServer((req, res) => {
    if (req.url === HEALTH_PATH) return health(res, upstreams);
    forward(req, res, candidates(), 0);
  });
  server.on('upgrade', (req, socket, head) => tunnel(req, socket as net.Socket, head, candidates(), 0));

  function forward(req: http.IncomingMessage, res: http.ServerResponse, tries: UpstreamState[], i: number) {
    const u = tries[i];
    if (!u) return badGateway(res, 'no replica accepted the connection');
    const upReq = http.request({
      host: u.host,
      port: u.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req),
      agent,
      setHost: false,
    });
    let connected = false;
    const connectTimer = setTimeout(() => upReq.destroy(new Error('connect timeout')), connectTimeoutMs);
    const onConnected = () => {
      connected = true;
      clearTimeout(connectTimer);
      // The body is read only now, so a replica that refused the connection left it intact for the next.
      req.pipe(upReq);
    };
    upReq.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', onConnected);
      else onConnected();
    });
    upReq.on('response', (upRes) => {
      if (upRes.headers.connection?.toLowerCase() === 'close')
        setState(u, false, 'draining (Connection: close)');
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEnd(upRes.rawHeaders));
      upRes.pipe(res);
      // A replica that dies mid-body: the client must see a cut response, not a complete one.
      upRes.on('close', () => {
        if (!upRes.complete) res.destroy();
      });
    });
    upReq.on('error', (error) => {
      clearTimeout(connectTimer);
      // E.g. the replica answered 413 and closed while the body was still being sent: nothing lost.
      if (res.writableFinished) return;
      setState(u, false, error.message);
      if (!connected) return forward(req, res, tries, i + 1);
      // Sent, then lost: the replica died mid-request. Never retried, since it may have acted on it.
      if (!res.headersSent) badGateway(res, `the replica ${u.label} failed mid-request: ${error.message}`);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
  }

  function tunnel(
    req: http.IncomingMessage,
    client: net.Socket,
    head: Buffer,
    tries: UpstreamState[],
    i: number,
  ) {
    const u = tries[i];
    if (!u) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: u.host, port: u.port, timeout: connectTimeoutMs });
    let connected = false;
    upstream.once('timeout', () => {
      if (!connected) upstream.destroy(new Error('connect timeout'));
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      tunnels.add(client);
      upstream.write(upgradeHead(req));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', (error) => {
      setState(u, false, error.message);
      if (!connected) return tunnel(req, client, head, tries, i + 1);
      client.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      tunnels.delete(client);
      upstream.destroy();
    });
  }

  const probe = setInterval(() => {
    for (const u of upstreams)
      if (!u.up) void probeReady(u, readyPath).then((ok) => ok && setState(u, true, 'ready'));
  }, options.probeIntervalMs ?? 250);
  for (const u of upstreams) void probeReady(u, readyPath).then((ok) => ok && setState(u, true, 'ready'));

  return {
    server,
    upstreams,
    async close() {
      clearInterval(probe);
      for (const socket of tunnels) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

function parseUpstream(spec: string): UpstreamState {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(spec.trim());
  if (!match) throw new Error(`upstream ${JSON.stringify(spec)} is not host:port`);
  return { label: spec.trim(), host: match[1], port: Number(match[2]), up: false, reason: 'not probed yet' };
}

/** One readiness request on a fresh connection; any failure counts as not ready. */
function probeReady(u: UpstreamState, readyPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: u.host, port: u.port, path: readyPath, agent: false, timeout: 1_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function clientAddress(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** The client's headers minus hop-by-hop ones, with its address appended to X-Forwarded-For. */
function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  const listed = connectionTokens(req.headers.connection);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    headers[name] = value;
  }
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${clientAddress(req)}` : clientAddress(req);
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function connectionTokens(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((t) => t.trim().toLowerCase()));
}

/** Response headers to pass on, as a flat [name, value, …] list (repeats and case kept). */
function endToEnd(raw: readonly string[]): string[] {
  const listed = new Set<string>();
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === 'connection') for (const t of connectionTokens(raw[i + 1])) listed.add(t);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !listed.has(name)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** The upgrade request as the replica must see it: Connection and Upgrade kept, X-Forwarded-For added. */
function upgradeHead(req: http.IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (name === 'x-forwarded-for' || name === 'x-forwarded-proto') continue;
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  const prior = req.headers['x-forwarded-for'];
  lines.push(`X-Forwarded-For: ${prior ? `${prior}, ${clientAddress(req)}` : clientAddress(req)}`);
  lines.push('X-Forwarded-Proto: http');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function health(res: http.ServerResponse, upstreams: readonly UpstreamState[]): void {
  const anyUp = upstreams.some((u) => u.up);
  res.writeHead(anyUp ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ upstreams: upstreams.map(({ label, up, reason }) => ({ label, up, reason })) }));
}

function badGateway(res: http.ServerResponse, detail: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail });
  res.writeHead(502, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
