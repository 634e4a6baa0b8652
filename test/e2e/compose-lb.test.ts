import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, createBalancer, HEALTH_PATH } from '../../examples/lb/balancer.ts';

// The composed stack's load balancer, in process, in front of small real HTTP servers on loopback:
// the passive health checks and the retry rule the rolling-restart check relies on.

interface Replica {
  name: string;
  server: http.Server;
  port: number;
  hits: string[];
  /** What /readyz answers. */
  ready: boolean;
  /** Responses say Connection: close, as a draining replica's do. */
  draining: boolean;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((close) => close()));
});

async function replica(name: string): Promise<Replica> {
  const r = { name, hits: [], ready: true, draining: false } as unknown as Replica;
  r.server = http.createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(r.ready ? 200 : 503).end();
      return;
    }
    r.hits.push(`${req.method} ${req.url}`);
    if (r.draining) res.setHeader('Connection', 'close');
    if (req.url === '/die') {
      // A process that exits mid-request: the connection drops before any response.
      req.socket.destroy();
      return;
    }
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          replica: name,
          xff: req.headers['x-forwarded-for'] ?? null,
          body,
          headers: req.headers,
        }),
      );
    });
  });
  const upgraded = new Set<Duplex>();
  r.server.on('upgrade', (req, socket) => {
    r.hits.push(`UPGRADE ${req.url}`);
    upgraded.add(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (chunk) => socket.write(`${name}:${chunk}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.port = (r.server.address() as AddressInfo).port;
  open.push(() => {
    for (const socket of upgraded) socket.destroy();
    return closeServer(r.server);
  });
  return r;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function balancer(upstreams: string[]): Promise<{ lb: Balancer; url: string }> {
  const lb = createBalancer({ upstreams, probeIntervalMs: 50 });
  await new Promise<void>((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
  open.unshift(() => lb.close());
  const url = `http://127.0.0.1:${(lb.server.address() as AddressInfo).port}`;
  await until(() => lb.upstreams.some((u) => u.up));
  return { lb, url };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: () => JSON.parse(text) };
}

/** A free port nothing listens on: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

describe('composed stack load balancer (examples/lb)', () => {
  it('spreads requests round robin and passes the client address on in X-Forwarded-For', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { lb, url } = await balancer([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    await until(() => lb.upstreams.every((u) => u.up));
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push((await get(`${url}/x`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).json());
    expect(answers.filter((x) => x.replica === 'a')).toHaveLength(3);
    expect(answers.filter((x) => x.replica === 'b')).toHaveLength(3);
    // Appended, so a replica trusting exactly one hop sees the real client, never the spoofed value.
    expect(answers[0].xff).toBe('203.0.113.9, 127.0.0.1');
    const health = await get(`${url}${HEALTH_PATH}`);
    expect(health.status).toBe(200);
    expect(health.json().upstreams).toHaveLength(2);
  });

  it('forwards bodies, keeps end-to-end headers and drops hop-by-hop ones', async () => {
    const a = await replica('a');
    const { url } = await balancer([`127.0.0.1:${a.port}`]);
    const res = await new Promise<{ type?: string; seen: Record<string, Record<string, string>> }>(
      (resolve, reject) => {
        const req = http.request(`${url}/echo`, {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'x-custom': 'kept',
            'x-hop': 'for this connection only',
            connection: 'x-hop',
            'keep-alive': 'timeout=99',
          },
        });
        req.on('response', (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({ type: response.headers['content-type'], seen: JSON.parse(text) }),
          );
        });
        req.on('error', reject);
        req.end('{"n":1}');
      },
    );
    expect(res.seen.body).toBe('{"n":1}');
    expect(res.seen.headers['x-custom']).toBe('kept');
    expect(res.seen.headers['keep-alive']).toBeUndefined();
    expect(res.seen.headers['x-hop']).toBeUndefined();
    expect(res.type).toBe('application/json');
  });

  it('retries a refused connection on another replica and takes the dead one out of rotation', async () => {
    const a = await replica('a');
    const dead = await deadPort();
    const { lb, url } = await balancer([`127.0.0.1:${dead}`, `127.0.0.1:${a.port}`]);
    // Force the dead one back into rotation, as if it had just been healthy.
    lb.upstreams[0].up = true;
    for (let i = 0; i < 4; i++)
      expect((await get(`${url}/x`, { method: 'POST', body: 'once' })).status).toBe(200);
    expect(a.hits).toHaveLength(4);
    expect(lb.upstreams[0].up).toBe(false);
    expect(lb.upstreams[0].reason).toMatch(/ECONNREFUSED/);
  });

  it('takes a draining replica (Connection: close) out of rotation until its readiness answers 200', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { lb, url } = await balancer([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    await until(() => lb.upstreams.every((u) => u.up));
    a.draining = true;
    a.ready = false;
    for (let i = 0; i < 6; i++) await get(`${url}/x`);
    // At most one request reached the draining replica: the one that told the balancer.
    expect(a.hits.length).toBeLessThanOrEqual(1);
    expect(lb.upstreams[0]).toMatchObject({ up: false, reason: 'draining (Connection: close)' });
    a.draining = false;
    a.ready = true;
    await until(() => lb.upstreams[0].up);
    const before = a.hits.length;
    for (let i = 0; i < 4; i++) await get(`${url}/x`);
    expect(a.hits.length).toBeGreaterThan(before);
  });

  it('never retries a request that reached a replica: a replica dying mid-request is a 502', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { lb, url } = await balancer([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    await until(() => lb.upstreams.every((u) => u.up));
    const res = await get(`${url}/die`, { method: 'POST', body: 'charge-card' });
    expect(res.status).toBe(502);
    expect(res.json().detail).toMatch(/failed mid-request/);
    // Exactly one replica saw it; the other was not asked to do it again.
    expect(a.hits.length + b.hits.length).toBe(1);
  });

  it('tunnels WebSocket-style upgrades to a replica', async () => {
    const a = await replica('a');
    const { url } = await balancer([`127.0.0.1:${a.port}`]);
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${url}/socket`, { headers: { connection: 'Upgrade', upgrade: 'echo' } });
      req.on('upgrade', (_res, socket) => {
        socket.once('data', (chunk) => {
          resolve(String(chunk));
          socket.destroy();
        });
        socket.write('hello');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('a:hello');
    expect(a.hits).toContain('UPGRADE /socket');
  });

  it('answers 502 when no replica accepts connections', async () => {
    const { url, lb } = await (async () => {
      const lbOnly = createBalancer({ upstreams: [`127.0.0.1:${await deadPort()}`], probeIntervalMs: 50 });
      await new Promise<void>((resolve) => lbOnly.server.listen(0, '127.0.0.1', resolve));
      open.unshift(() => lbOnly.close());
      return { lb: lbOnly, url: `http://127.0.0.1:${(lbOnly.server.address() as AddressInfo).port}` };
    })();
    expect(lb.upstreams[0].up).toBe(false);
    const res = await get(`${url}/x`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await get(`${url}${HEALTH_PATH}`)).status).toBe(503);
  });
});
