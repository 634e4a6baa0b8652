import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sourceAddress, usableLoopbackSources } from '../../../src/soak/loopback-sources.ts';
import { routeTemplate } from '../../../src/soak/session-http.ts';

describe('routeTemplate', () => {
  it.each([
    ['/v1/sessions', '/v1/sessions'],
    ['/v1/sessions/3f2c1a9e-1b2c-4d5e-8f90-123456789abc', '/v1/sessions/{id}'],
    ['/v1/sessions/3f2c1a9e-1b2c-4d5e-8f90-123456789abc/transcripts?x=1', '/v1/sessions/{id}/transcripts'],
    ['/v1/webhooks/events/evt_1NqP2bLkdIwHu7ix0n4Gqz1a', '/v1/webhooks/events/{id}'],
    ['/v1/orders/42', '/v1/orders/{id}'],
    ['http://127.0.0.1:3000/v1/slow?ms=5', '/v1/slow'],
  ])('%s → %s', (path, route) => {
    expect(routeTemplate(path)).toBe(route);
  });
});

describe('loopback sources', () => {
  it('gives each slot its own 127.250.x.y address, wrapping at the count', () => {
    expect(sourceAddress(0, 0, 300)).toBe('127.250.0.1');
    expect(sourceAddress(0, 253, 300)).toBe('127.250.0.254');
    expect(sourceAddress(0, 254, 300)).toBe('127.250.1.1');
    expect(sourceAddress(10, 5, 3)).toBe(sourceAddress(10, 2, 3));
  });

  it('uses them against a loopback target this system can send to', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await usableLoopbackSources(50, `http://127.0.0.1:${port}`)).toEqual({ count: 50 });
    } finally {
      server.close();
    }
  });

  it('ignores them, saying why, for a target elsewhere or when off', async () => {
    expect(await usableLoopbackSources(0, 'http://127.0.0.1:1')).toEqual({ count: 0 });
    const remote = await usableLoopbackSources(50, 'https://staging.example.com');
    expect(remote.count).toBe(0);
    expect(remote.note).toContain('not on loopback');
  });
});
