import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/http/client.ts';
import type { Check } from '../../../src/run/checks.ts';
import { Redactor } from '../../../src/run/redact.ts';
import { Clients, NoFreshQuota } from '../../../src/scenario/builtin/rate-limit/clients.ts';
import { retryAfterCheck } from '../../../src/scenario/builtin/rate-limit/header-checks.ts';
import {
  type RateLimitOptions,
  rateLimitOptionsSchema,
} from '../../../src/scenario/builtin/rate-limit/options.ts';
import { enforcedCheck } from '../../../src/scenario/builtin/rate-limit/quota-checks.ts';
import { checkEveryRoute } from '../../../src/scenario/builtin/rate-limit/route-check.ts';
import { checkContext } from '../../../src/scenario/check.ts';
import type { CheckBody, CheckOutcome, ScenarioContext } from '../../../src/scenario/define.ts';
import { LoopbackPool } from '../../../src/scenario/loopback.ts';

type Recorded = CheckOutcome & { id: string };

function context(baseUrl: string): { ctx: ScenarioContext; results: Recorded[]; redactor: Redactor } {
  const redactor = new Redactor();
  const http = new HttpClient({ baseUrl, redactor });
  const results: Recorded[] = [];
  const ctx = {
    target: { baseUrl },
    addresses: new LoopbackPool(0),
    redactor,
    async check(check: Check, fn: CheckBody) {
      results.push({ id: check.id, ...(await fn(checkContext(http))) });
    },
  } as unknown as ScenarioContext;
  return { ctx, results, redactor };
}

const options = (extra: Partial<RateLimitOptions> = {}): RateLimitOptions =>
  rateLimitOptionsSchema.parse({
    routes: [
      { method: 'POST', path: '/a', limit: 2, windowSec: 10 },
      { method: 'GET', path: '/b', limit: 3, windowSec: 10 },
    ],
    ...extra,
  });

describe('Clients: a fresh quota per check', () => {
  it('binds a new loopback source address for every client on a loopback target', async () => {
    const { ctx } = context('http://127.0.0.1:8080');
    const clients = new Clients(ctx, options());
    const route = options().routes[0];
    const a = await clients.fresh(route);
    const b = await clients.fresh(route);
    expect(a.localAddress).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(a.localAddress).not.toBe(b.localAddress);
    expect(a.localAddress?.startsWith('127.0.0.')).toBe(false);
  });

  it('on a remote host, only the first check of a route gets the one quota there is', async () => {
    const { ctx } = context('https://staging.example.com');
    const clients = new Clients(ctx, options());
    const [first, second] = options().routes;
    expect((await clients.fresh(first)).localAddress).toBeUndefined();
    await expect(clients.fresh(first)).rejects.toBeInstanceOf(NoFreshQuota);
    await expect(clients.fresh(second)).resolves.toMatchObject({ label: 'this machine' });
  });

  it('asks freshKey for every key-scoped client and redacts the keys it hands out', async () => {
    const { ctx, redactor } = context('http://127.0.0.1:8080');
    let n = 0;
    const opts = rateLimitOptionsSchema.parse({
      routes: [{ path: '/k', limit: 1, windowSec: 1, scope: 'key' }],
      freshKey: () => ({ 'x-api-key': `key-number-${++n}` }),
    });
    const clients = new Clients(ctx, opts);
    const a = await clients.fresh(opts.routes[0]);
    const b = await clients.fresh(opts.routes[0]);
    expect(a.headers).toEqual({ 'x-api-key': 'key-number-1' });
    expect(b.headers).toEqual({ 'x-api-key': 'key-number-2' });
    expect(a.label).toMatch(/^key #1 from 127\./);
    expect(redactor.text('sent key-number-2')).toBe('sent <redacted>');
  });
});

describe('checkEveryRoute: one result per check id', () => {
  it('the worst verdict wins, the message names every route, evidence keeps each route', async () => {
    const { ctx, results } = context('http://127.0.0.1:8080');
    const opts = options();
    await checkEveryRoute(ctx, opts, new Clients(ctx, opts), enforcedCheck, async ({ c, route }) =>
      route.path === '/a' ? c.pass('fine', { errors: ['a'] }) : c.fail('broken', { errors: ['b'] }),
    );
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result.id).toBe(enforcedCheck.id);
    expect(result.verdict).toBe('fail');
    expect(result.message).toBe('POST /a: fine\nGET /b: broken');
    expect(result.evidence?.errors).toEqual(['b']);
    expect(result.evidence?.routes).toEqual([
      { route: 'POST /a', verdict: 'pass', message: 'fine', evidence: { errors: ['a'] } },
      { route: 'GET /b', verdict: 'fail', message: 'broken', evidence: { errors: ['b'] } },
    ]);
  });

  it('a check that runs out of fresh quotas is a skip with the reason, not a crash', async () => {
    const { ctx, results } = context('https://staging.example.com');
    const opts = options({ routes: [options().routes[0]] });
    const clients = new Clients(ctx, opts);
    const judge = async ({ c, route }: Parameters<Parameters<typeof checkEveryRoute>[4]>[0]) => {
      await clients.fresh(route);
      return c.pass('ok');
    };
    await checkEveryRoute(ctx, opts, clients, enforcedCheck, judge);
    await checkEveryRoute(ctx, opts, clients, retryAfterCheck, judge);
    expect(results.map((r) => [r.id, r.verdict])).toEqual([
      [enforcedCheck.id, 'pass'],
      [retryAfterCheck.id, 'skip'],
    ]);
    expect(results[1].message).toContain('needs a loopback target');
  });
});

describe('HttpClient source addresses (what every fresh quota rests on)', () => {
  it('sends from the bound loopback address', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => res.end(req.socket.remoteAddress));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${port}`, redactor: new Redactor() });
    try {
      const seen = await Promise.all(
        ['127.0.0.2', '127.0.0.3', undefined].map(async (localAddress) =>
          (await http.request({ path: '/', localAddress })).response?.text(),
        ),
      );
      expect(seen).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.1']);
    } finally {
      await http.close();
      server.close();
    }
  });
});
