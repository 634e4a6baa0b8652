import { randomInt } from 'node:crypto';
import type { CheckOutcome } from '../../define.ts';
import { burst, isSuccess, outcome, send } from './clients.ts';
import { type RouteCheck, statusRuns, unlessRefused } from './route-check.ts';

/** `rate-limit.enforced`: `limit` sequential requests succeed and the next one gets 429. */
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
 * `rate-limit.concurrent`: 2×limit requests at once from one fresh client; at most `limit` may
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
      `the concurrent requests got ${statuses}; only 2xx and 429 can be judged (see rate-limit.enforced)`,
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
 * `rate-limit.per-client`: one client using up its quota must not use up another's. Fails on a
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
 * `rate-limit.xff-bypass`: once a client is refused, client-supplied forwarding headers must not
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
