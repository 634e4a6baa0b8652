import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import type { SharedLimitOptions } from './options.ts';
import type { Topology } from './topology.ts';

interface Burst {
  sent: number;
  allowed: number;
  limited: number;
  /** Anything but 2xx and 429: a network error or another status. */
  unexpected: HttpExchange[];
  /** The first request allowed past the limit, for the curl line. */
  overLimit?: HttpExchange;
  firstLimited?: HttpExchange;
}

export const sharedLimitCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.shared-across-replicas',
  title: 'The rate limit holds for the whole stack, not per replica',
  verifies:
    'One client bursting through the load balancer, and then going to each replica in turn, gets the documented quota (replicasScenario sharedLimit.limit) once for the whole stack, not once per replica.',
  failsWhen:
    'More requests than the quota are served: each replica counts on its own (an in-memory store), so N replicas allow N times the limit.',
  fix: 'Keep the limiter’s counters in a store every replica shares (Redis or your database), and make sure each replica is configured to use it.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-memory-store'] },
});

/**
 * One client sends limit × replicas + 2 requests through the load
 * balancer, which spreads them over the replicas; a stack-wide quota allows `limit` of them, per-replica
 * counters up to replicas × limit. Then another client goes straight to each replica in turn, which
 * shows the same thing whatever the balancer's policy: once one replica has used up the quota, the
 * others must refuse too.
 */
export async function sharedLimit(
  ctx: ScenarioContext,
  c: CheckContext,
  topology: Topology,
  o: SharedLimitOptions,
): Promise<CheckOutcome> {
  const { replicas } = topology;
  const viaBalancer = await burst(
    ctx,
    o,
    ctx.http.url(o.path),
    ctx.addresses.next(),
    o.limit * replicas.length + 2,
  );
  // One client, one quota: what it was allowed on earlier replicas counts against the later ones.
  const client = { address: ctx.addresses.next(), allowed: 0 };
  const direct: (Burst & { replica: string })[] = [];
  for (const replica of replicas) {
    direct.push({
      replica: replica.name,
      ...(await burst(ctx, o, `${replica.url}${o.path}`, client, o.limit + 1)),
    });
  }
  const directAllowed = direct.reduce((sum, b) => sum + b.allowed, 0);
  const summary = {
    limit: o.limit,
    route: `${o.method.toUpperCase()} ${o.path}`,
    viaLoadBalancer: counts(viaBalancer),
    straightToReplicas: direct.map((b) => ({ replica: b.replica, ...counts(b) })),
  };
  const perReplica = direct.map((b) => `${b.replica} allowed ${b.allowed}`).join(', ');
  const evidenceOf = (exchange: HttpExchange | undefined) =>
    exchange ? c.evidence(exchange, { summary }) : { summary };

  const unexpected = [viaBalancer, ...direct].flatMap((b) => b.unexpected);
  if (unexpected.length > 0) {
    return c.fail(
      `${unexpected.length} request(s) got neither 2xx nor 429 (first: ${describe(unexpected[0])}); the quota cannot be judged`,
      evidenceOf(unexpected[0]),
    );
  }
  if (viaBalancer.limited === 0) {
    return c.fail(
      `none of ${viaBalancer.sent} requests through the load balancer from one client was limited (limit ${o.limit}): the limit is not enforced at all`,
      evidenceOf(viaBalancer.overLimit),
    );
  }
  const overLimit = [viaBalancer, ...direct].find((b) => b.overLimit)?.overLimit;
  if (viaBalancer.allowed > o.limit || directAllowed > o.limit) {
    return c.fail(
      `the limit of ${o.limit} holds per replica, not for the stack: ${viaBalancer.allowed} of ${viaBalancer.sent} requests through the load balancer succeeded, and one client sent straight to the replicas was allowed ${directAllowed} (${perReplica}). Each replica keeps its own count (an in-memory store?), so ${replicas.length} replicas allow up to ${replicas.length} × the limit`,
      evidenceOf(overLimit),
    );
  }
  return c.pass(
    `one quota for the whole stack: ${viaBalancer.allowed} of ${viaBalancer.sent} requests through the load balancer succeeded and ${viaBalancer.limited} got 429 (limit ${o.limit}, ${replicas.length} replicas); one client sent straight to the replicas in turn was allowed ${directAllowed} in all (${perReplica})`,
    evidenceOf(viaBalancer.firstLimited),
  );
}

/** `count` requests in a row from one source address (a fresh one, or a client shared between bursts). */
async function burst(
  ctx: ScenarioContext,
  o: SharedLimitOptions,
  url: string,
  from: string | { address: string; allowed: number },
  count: number,
): Promise<Burst> {
  const client = typeof from === 'string' ? { address: from, allowed: 0 } : from;
  const result: Burst = { sent: 0, allowed: 0, limited: 0, unexpected: [] };
  for (let i = 0; i < count && !ctx.signal.aborted; i++) {
    const exchange = await ctx.http.request({
      method: o.method,
      path: url,
      body: o.body,
      localAddress: client.address,
    });
    result.sent++;
    const status = exchange.response?.status;
    if (status !== undefined && status >= 200 && status < 300) {
      result.allowed++;
      client.allowed++;
      if (client.allowed > o.limit) result.overLimit ??= exchange;
    } else if (status === 429) {
      result.limited++;
      result.firstLimited ??= exchange;
    } else {
      result.unexpected.push(exchange);
    }
  }
  return result;
}

function counts(b: Burst) {
  return { sent: b.sent, allowed: b.allowed, limited: b.limited, unexpected: b.unexpected.length };
}

function describe(exchange: HttpExchange): string {
  const { method, url } = exchange.request;
  return exchange.response
    ? `${method} ${url} answered ${exchange.response.status}`
    : `${method} ${url} failed: ${exchange.error?.code}`;
}
