import { randomInt } from 'node:crypto';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import { type Burst, burst, isSuccess, outcome, send } from './clients.ts';
import { type RouteCheck, statusRuns } from './route-check.ts';

export const enforcedCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.enforced',
  title: 'The documented quota is enforced with 429',
  verifies:
    'For each configured route, a fresh client gets exactly the documented number of successful requests (rateLimitScenario routes[].limit), and the next one gets 429.',
  failsWhen:
    'No 429 comes once the quota is used up, a 429 comes before it, or the route answers something other than 2xx or 429 (so its quota cannot be measured).',
  fix: 'Put a rate limiter on the route with the documented quota and window (your framework’s rate-limit middleware, an API gateway or the proxy), answering 429 once the quota is spent.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-off'] },
});

export const concurrentCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.concurrent',
  title: 'Concurrent requests cannot exceed the quota',
  verifies:
    'Twice the quota sent at once by one fresh client: at most the quota succeeds, the rest get 429, and nothing answers 5xx or drops.',
  failsWhen:
    'More requests succeed than the quota allows (a counter read and written in two steps), or the limiter breaks under concurrency (5xx, dropped connections). None succeeding only warns.',
  fix: 'Count atomically: an increment that returns the new value (Redis INCR or a Lua script, an atomic database update), judged on that value, never a read followed by a write.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-race'] },
});

export const perClientCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.per-client',
  title: 'Each client has its own quota',
  verifies:
    'After one client uses up its quota, another client (another source address, or another key for scope: key) is still served.',
  failsWhen:
    'The second client is refused on its very first request: the limiter is keyed globally or on something every client shares (a constant, the proxy’s address).',
  fix: 'Key the limiter on the real client: its address as resolved through your trusted proxies, or its API key or user id.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-global-key'] },
});

export const xffBypassCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.xff-bypass',
  title: 'Spoofed X-Forwarded-For does not reset the quota',
  verifies:
    'Once a client is refused, requests with rotated X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP and CF-Connecting-IP values are still refused.',
  failsWhen:
    'A request with a spoofed forwarding header is served: the limiter keys on a header any client can set, so each new value is a fresh quota.',
  fix: 'Trust forwarding headers only from your own proxies, by hop count or address (Express trust proxy set to the number of hops, never true; the equivalent setting of your framework or proxy).',
  severity: 'blocking',
  proof: { faults: ['rate-limit-xff'] },
});

/** `limit` sequential requests succeed and the next one gets 429. */
export async function enforced({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const client = await clients.fresh(route);
  const b = await burst(ctx, route, client);
  const last = b.exchanges.at(-1)!;
  const evidence = c.evidence(last, {
    client: client.label,
    statuses: statusRuns(b.exchanges.map(outcome)),
  });
  if (b.unexpected) {
    return c.fail(
      `request ${b.exchanges.length} got ${outcome(b.unexpected)}: the route must answer 2xx for its quota to be measured (check the method, body and credentials configured for it)`,
      evidence,
    );
  }
  if (b.limited && b.successes < route.limit) {
    return c.fail(
      `429 after only ${b.successes} requests from ${client.label}; the configured limit is ${route.limit}`,
      evidence,
    );
  }
  if (!b.limited) {
    return c.fail(
      `all ${b.exchanges.length} sequential requests from ${client.label} succeeded: no 429 once the limit of ${route.limit} was used up`,
      evidence,
    );
  }
  return c.pass(`${route.limit} requests succeeded and request ${route.limit + 1} got 429`, evidence);
}

/**
 * 2×limit requests at once from one fresh client; at most `limit` may
 * succeed. A limiter that reads, then writes its counter lets a burst through.
 */
export async function concurrent({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const client = await clients.fresh(route);
  const total = route.limit * 2;
  const exchanges = await Promise.all(Array.from({ length: total }, () => send(ctx, route, client)));
  const succeeded = exchanges.filter(isSuccess);
  const limited = exchanges.filter((e) => e.response?.status === 429).length;
  const broken = exchanges.filter((e) => !e.response || e.response.status >= 500);
  const statuses = statusRuns(exchanges.map(outcome).sort());
  const pick = broken[0] ?? succeeded.at(-1) ?? exchanges[0];
  const evidence = c.evidence(pick, { client: client.label, statuses });
  if (succeeded.length > route.limit) {
    return c.fail(
      `${succeeded.length} of ${total} concurrent requests succeeded; the limit is ${route.limit}: the quota does not hold under concurrency (a counter read and written in separate steps lets a burst through)`,
      evidence,
    );
  }
  if (broken.length > 0) {
    return c.fail(
      `${broken.length} of ${total} concurrent requests failed (${statuses}): the limiter breaks under concurrency`,
      evidence,
    );
  }
  if (succeeded.length + limited < total) {
    return c.skip(
      `the concurrent requests got ${statuses}; only 2xx and 429 can be judged (see ${enforcedCheck.id})`,
      evidence,
    );
  }
  if (succeeded.length === 0) {
    return c.warn(
      `none of ${total} concurrent requests from a fresh client succeeded (${statuses})`,
      evidence,
    );
  }
  return c.pass(
    `${succeeded.length} of ${total} concurrent requests succeeded and ${limited} got 429 (limit ${route.limit})`,
    evidence,
  );
}

/**
 * One client using up its quota must not use up another's. Fails on a
 * limiter keyed globally, or on something every client shares (a proxy's address, a constant).
 */
export async function perClient({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const first = await clients.fresh(route);
  const second = await clients.fresh(route);
  const b = await burst(ctx, route, first);
  const skipped = unlessRefused(c, b);
  if (skipped) return skipped;
  const other = await send(ctx, route, second);
  const evidence = c.evidence(other, { exhaustedBy: first.label, client: second.label });
  const per = route.scope === 'ip' ? 'client address' : 'key';
  if (other.response?.status === 429) {
    const shared = `shared (keyed globally or on something all clients have in common), not per ${per}`;
    // A quota shared with earlier requests (another check's, another caller's) can be gone before
    // the first client sends anything; then it used up nothing and must not be blamed for it.
    return c.fail(
      b.successes > 0
        ? `after ${first.label} used up its quota (${b.successes} requests), ${second.label} got 429 on its very first request: the quota is ${shared}`
        : `${first.label} and ${second.label}, two fresh clients, both got 429 on their very first request: the quota was used up before either sent anything, so it is ${shared}`,
      evidence,
    );
  }
  if (!isSuccess(other)) {
    return c.skip(`${second.label} got ${outcome(other)}; only 2xx or 429 can be judged`, evidence);
  }
  return c.pass(
    `${first.label} got 429 after ${b.successes} requests while ${second.label} still got ${outcome(other)}: quotas are per ${per}`,
    evidence,
  );
}

/**
 * Once a client is refused, client-supplied forwarding headers must not
 * buy it a fresh quota. A limiter keyed on `X-Forwarded-For` without a trusted proxy in front
 * (Express `trust proxy: true`) is bypassed by anyone with curl.
 */
export async function xffBypass({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const client = await clients.fresh(route);
  const b = await burst(ctx, route, client);
  const skipped = unlessRefused(c, b);
  if (skipped) return skipped;
  const spoofs = spoofedHeaders();
  const outcomes: string[] = [];
  for (const headers of spoofs) {
    const exchange = await send(ctx, route, client, headers);
    outcomes.push(outcome(exchange));
    if (isSuccess(exchange)) {
      const shown = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      return c.fail(
        `after ${client.label} was refused, a request with ${shown} got ${outcome(exchange)}: the limiter keys on a client-supplied header, so every spoofed value is a fresh quota`,
        c.evidence(exchange, { client: client.label }),
      );
    }
  }
  return c.pass(
    `after ${client.label} was refused, ${spoofs.length} requests with rotated X-Forwarded-For values (and X-Real-IP, Forwarded, True-Client-IP) still got ${statusRuns(outcomes)}`,
    c.evidence(b.limited!, { client: client.label }),
  );
}

/**
 * Most checks judge what happens once a quota is used up. When the burst never got there (no
 * limiter, or the route fails for another reason) they have nothing to judge: the enforced check
 * reports that once, and the others skip instead of failing the same cause eight times.
 */
export function unlessRefused(c: CheckContext, b: Burst): CheckOutcome | undefined {
  if (b.unexpected) {
    return c.skip(
      `request ${b.exchanges.length} got ${outcome(b.unexpected)} instead of 2xx or 429, so there is nothing to judge (see ${enforcedCheck.id})`,
      c.evidence(b.unexpected),
    );
  }
  if (!b.limited) {
    const last = b.exchanges.at(-1);
    return c.skip(
      `no 429 after ${b.exchanges.length} requests, so there is nothing to judge (see ${enforcedCheck.id})`,
      last ? c.evidence(last) : undefined,
    );
  }
  return undefined;
}

/** Addresses from the documentation ranges (RFC 5737), different on every call. */
function spoofedHeaders(): Array<Record<string, string>> {
  const ip = (prefix: string) => `${prefix}.${randomInt(1, 255)}`;
  const other = ip('192.0.2');
  return [
    { 'x-forwarded-for': ip('203.0.113') },
    { 'x-forwarded-for': ip('198.51.100') },
    { 'x-forwarded-for': `${ip('203.0.113')}, ${ip('198.51.100')}` },
    {
      'x-real-ip': other,
      forwarded: `for=${other}`,
      'true-client-ip': other,
      'cf-connecting-ip': other,
    },
  ];
}
