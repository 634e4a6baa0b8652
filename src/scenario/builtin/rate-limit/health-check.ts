import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckOutcome } from '../../define.ts';
import { burst, type Client, outcome, send } from './clients.ts';
import { parseRateLimitHeaders } from './headers.ts';
import { perClientCheck, unlessRefused } from './quota-checks.ts';
import type { RouteCheck } from './route-check.ts';

export const healthExemptCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.health-exempt',
  title: 'Health probes are neither limited nor counted',
  verifies:
    'More health probes than the quota (rateLimitScenario healthPaths) from one client all answer 200 without a falling RateLimit counter, the client’s quota on the route is untouched by them, and the probes still answer 200 once that quota is spent.',
  failsWhen:
    'A probe is refused or counted, or the probes use up the client’s quota: a load balancer probing a busy instance would take it out of rotation.',
  fix: 'Mount the health routes before the rate limiter, or exclude their paths from it.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-health'] },
});

/**
 * Load balancers and orchestrators probe health paths often and from
 * few addresses. If probes are limited, a busy instance is marked down; if they are counted, probes
 * eat the client's quota. So: limit + 1 probes of each path from a fresh client all answer 200 with
 * no decreasing counter, the route's full quota is still there afterwards, and once it is used up
 * the probes still answer 200.
 */
export async function healthExempt({ ctx, c, route, clients, options }: RouteCheck): Promise<CheckOutcome> {
  if (options.healthPaths.length === 0) return c.skip('no healthPaths configured');
  const client = await clients.fresh(route);
  const probesPerPath = route.limit + 1;
  for (const path of options.healthPaths) {
    const probes: HttpExchange[] = [];
    for (let i = 0; i < probesPerPath && !ctx.signal.aborted; i++) {
      const probe = await probeOnce(ctx, path, client);
      probes.push(probe);
      if (probe.response?.status !== 200) {
        return c.fail(
          `${path} answered ${outcome(probe)} to probe ${i + 1} from ${client.label}: health probes are limited, so a busy load balancer would take a healthy instance out`,
          c.evidence(probe, { client: client.label }),
        );
      }
    }
    const counter = decreasingCounter(probes);
    if (counter) {
      return c.fail(
        `${path} answers carry a rate-limit counter that goes down with every probe (remaining ${counter}): health probes are counted`,
        c.evidence(probes.at(-1)!, { client: client.label }),
      );
    }
  }
  const b = await burst(ctx, route, client);
  if (b.limited && b.successes < route.limit) {
    // A client that sent no probes tells probe counting apart from a quota everyone shares.
    const control = await send(ctx, route, await clients.fresh(route));
    if (control.response?.status === 429) {
      return c.skip(
        `the route refused ${client.label} after ${b.successes} requests, but a fresh client that sent no probes is refused too: the quota is shared (see ${perClientCheck.id}), so probe counting cannot be judged`,
        c.evidence(control),
      );
    }
    return c.fail(
      `after ${probesPerPath} probes of each health path, only ${b.successes} of ${route.limit} requests succeeded before 429: health probes count against the route's quota`,
      c.evidence(b.limited, { client: client.label }),
    );
  }
  const skipped = unlessRefused(c, b);
  if (skipped) return skipped;
  for (const path of options.healthPaths) {
    const probe = await probeOnce(ctx, path, client);
    if (probe.response?.status !== 200) {
      return c.fail(
        `with the quota used up, ${path} answered ${outcome(probe)}: the instance looks unhealthy to anyone sharing the client's address`,
        c.evidence(probe, { client: client.label }),
      );
    }
  }
  return c.pass(
    `${probesPerPath} probes of ${options.healthPaths.join(', ')} answered 200 uncounted, the full quota of ${route.limit} was still there, and the probes still answered 200 once it was used up`,
    c.evidence(b.limited!, { client: client.label }),
  );
}

/** Probes come from infrastructure: no credentials, no API key, just the address. */
function probeOnce(ctx: RouteCheck['ctx'], path: string, client: Client): Promise<HttpExchange> {
  return ctx.http.request({ path, auth: false, localAddress: client.localAddress });
}

/** `"10 → 9 → 8"` when the probes' rate-limit headers show a counter going down, else undefined. */
function decreasingCounter(probes: readonly HttpExchange[]): string | undefined {
  const remaining = probes
    .map((p) => parseRateLimitHeaders(p.response?.headers ?? {})[0]?.remaining)
    .filter((r) => r !== undefined);
  if (remaining.length < 2 || remaining.at(-1)! >= remaining[0]) return undefined;
  return remaining.join(' → ');
}
