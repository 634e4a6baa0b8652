import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { bearer, call, openVoiceSession, type Spawned, spawnVoiceApi, waitFor } from './helpers.ts';

const DRAIN_MS = 600;

function logged(target: Spawned, msg: string): Promise<void> {
  return waitFor(() => target.output().includes(`"msg":"${msg}`), 8000, 10);
}

/** A GET over a keep-alive agent, to see what the server says about the connection. */
function keepAliveGet(
  url: string,
  path: string,
  agent: Agent,
): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    request(new URL(path, url), { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

describe('graceful shutdown', () => {
  it('flips readiness at once, drains, finishes in-flight work, closes sockets, exits 0', async () => {
    const target = await spawnVoiceApi({ SHUTDOWN_DRAIN_MS: String(DRAIN_MS), SHUTDOWN_DEADLINE_MS: '8000' });
    const headers = await bearer(target.env);
    const { socket } = await openVoiceSession(target.url, target.env);
    const socketClosed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await keepAliveGet(target.url, '/livez', agent)).connection).toBe('keep-alive');
    const inFlight = call(target.url, `/v1/slow?ms=${DRAIN_MS + 700}`, { headers });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signalledAt = Date.now();
    target.child.kill('SIGTERM');
    await logged(target, 'shutdown started');
    const ready = await call(target.url, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Still serving during the drain, but telling keep-alive clients to go.
    const live = await keepAliveGet(target.url, '/livez', agent);
    expect(live).toEqual({ status: 200, connection: 'close' });

    await logged(target, 'drain over');
    await expect(call(target.url, '/livez')).rejects.toThrow(/ECONNREFUSED/);
    expect(await socketClosed).toBe('transport close');
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(slow.headers.connection).toBe('close');
    const { code } = await target.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(8000);
    expect(target.output()).toContain('"msg":"shutdown complete"');
    agent.destroy();
  });

  it('ignores a second signal: the drain is not cut short (SIGINT then SIGTERM)', async () => {
    const target = await spawnVoiceApi({ SHUTDOWN_DRAIN_MS: '1200' });
    const inFlight = call(target.url, '/v1/slow?ms=1500', { headers: await bearer(target.env) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    target.child.kill('SIGINT');
    await logged(target, 'shutdown started');
    target.child.kill('SIGTERM');
    await logged(target, 'already shutting down');
    expect((await call(target.url, '/livez')).status).toBe(200);
    expect((await inFlight).status).toBe(200);
    expect((await target.exited).code).toBe(0);
  });

  it('exits non-zero when the hard deadline passes', async () => {
    const target = await spawnVoiceApi({ SHUTDOWN_DRAIN_MS: '100', SHUTDOWN_DEADLINE_MS: '800' });
    const inFlight = call(target.url, '/v1/slow?ms=20000', { headers: await bearer(target.env) }).catch(
      (err) => err,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signalledAt = Date.now();
    target.child.kill('SIGTERM');
    const { code } = await target.exited;
    expect(code).toBe(1);
    // Cut by the deadline, long before the 20 s request would have finished (loose for a busy machine).
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(target.output()).toContain('shutdown deadline exceeded');
    await inFlight;
  });
});
