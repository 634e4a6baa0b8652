import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/http/client.ts';
import { Redactor } from '../../../src/run/redact.ts';
import { Clients } from '../../../src/scenario/builtin/rate-limit/clients.ts';
import { rateLimitOptionsSchema } from '../../../src/scenario/builtin/rate-limit/options.ts';
import { perClient } from '../../../src/scenario/builtin/rate-limit/quota-checks.ts';
import { checkContext } from '../../../src/scenario/check.ts';
import type { ScenarioContext } from '../../../src/scenario/define.ts';
import { LoopbackPool } from '../../../src/scenario/loopback.ts';

const LIMIT = 2;
const open: Array<{ server: Server; http: HttpClient }> = [];
afterEach(async () => {
  for (const { server, http } of open.splice(0)) {
    await http.close();
    server.close();
  }
});

/** A limiter of LIMIT requests per key; `used` requests are already counted against every key. */
async function limiter(keyOf: (req: IncomingMessage) => string, used: number) {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = keyOf(req);
    const count = (counts.get(key) ?? used) + 1;
    counts.set(key, count);
    res.statusCode = count > LIMIT ? 429 : 201;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const http = new HttpClient({ baseUrl, redactor: new Redactor() });
  open.push({ server, http });
  return { baseUrl, http };
}

const ROWS = [
  {
    name: 'a per-address quota',
    keyOf: (req: IncomingMessage) => req.socket.remoteAddress ?? '',
    used: 0,
    verdict: 'pass',
    message:
      /^127\.\S+ got 429 after 2 requests while 127\.\S+ still got 201: quotas are per client address$/,
  },
  {
    name: 'one shared quota, used up by the first client',
    keyOf: () => 'everyone',
    used: 0,
    verdict: 'fail',
    message:
      /^after 127\.\S+ used up its quota \(2 requests\), 127\.\S+ got 429 on its very first request: the quota is shared/,
  },
  {
    name: 'one shared quota, used up before the check',
    keyOf: () => 'everyone',
    used: LIMIT,
    verdict: 'fail',
    message:
      /^127\.\S+ and 127\.\S+, two fresh clients, both got 429 on their very first request: the quota was used up before either sent anything, so it is shared/,
  },
] as const;

describe('rate-limit.per-client', () => {
  it.each(ROWS)('$name: $verdict', async ({ keyOf, used, verdict, message }) => {
    const { baseUrl, http } = await limiter(keyOf, used);
    const ctx = {
      target: { baseUrl },
      addresses: new LoopbackPool(0),
      redactor: new Redactor(),
      http,
      signal: new AbortController().signal,
    } as unknown as ScenarioContext;
    const options = rateLimitOptionsSchema.parse({
      routes: [{ method: 'POST', path: '/sessions', limit: LIMIT, windowSec: 60 }],
    });
    const result = await perClient({
      ctx,
      c: checkContext(http),
      route: options.routes[0],
      clients: new Clients(ctx, options),
      options,
    });
    expect(result.verdict, result.message).toBe(verdict);
    expect(result.message).toMatch(message);
  });
});
