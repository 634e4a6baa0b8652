import type { Check } from '../../run/checks.ts';
import type { ScenarioContext, ScenarioDefinition } from '../define.ts';
import { parseScenarioOptions } from './options.ts';
import { Clients } from './rate-limit/clients.ts';
import { headers, headersCheck, retryAfter, retryAfterCheck } from './rate-limit/header-checks.ts';
import { healthExempt, healthExemptCheck } from './rate-limit/health-check.ts';
import {
  type RateLimitOptions,
  type RateLimitScenarioOptions,
  rateLimitOptionsSchema,
} from './rate-limit/options.ts';
import {
  concurrent,
  concurrentCheck,
  enforced,
  enforcedCheck,
  perClient,
  perClientCheck,
  xffBypass,
  xffBypassCheck,
} from './rate-limit/quota-checks.ts';
import { judgeReset, observeReset, type ResetObservation, resetCheck } from './rate-limit/reset-check.ts';
import { checkEveryRoute, type RouteJudge } from './rate-limit/route-check.ts';

export type { RateLimitScenarioOptions } from './rate-limit/options.ts';

/**
 * Rate limiting, black-box: for each configured route, is the documented quota enforced, announced
 * and reset as promised, atomic under concurrency, per client, immune to spoofed forwarding
 * headers, and harmless to health probes?
 *
 * Every check needs a quota nobody has touched. Waiting out a window per check would take minutes,
 * so each check sends from its own loopback source address (127.A.B.C, bound on the client socket):
 * a per-IP limiter sees a new client with a full quota, and checks cannot disturb each other. Routes
 * with `scope: 'key'` get a new key from `freshKey()` instead. Against a non-loopback host only one
 * quota exists, and the checks after the first skip with that reason.
 */
export function rateLimitScenario(options: RateLimitScenarioOptions): ScenarioDefinition {
  const parsed = parseScenarioOptions('rateLimitScenario', rateLimitOptionsSchema, options);
  return {
    name: 'rate-limit',
    sendsBursts: true,
    // The reset check may wait up to maxWaitSec on top of its own requests.
    options: { checkTimeoutSec: parsed.checkTimeoutSec ?? Math.max(60, parsed.maxWaitSec + 30) },
    run: (ctx) => runRateLimit(ctx, parsed),
  };
}

async function runRateLimit(ctx: ScenarioContext, options: RateLimitOptions): Promise<void> {
  const clients = new Clients(ctx, options);
  const check = (declared: Check, judge: RouteJudge) =>
    checkEveryRoute(ctx, options, clients, declared, judge);

  await check(enforcedCheck, enforced);
  // Started now, judged last: the wait for the window to pass overlaps the other checks.
  const resets = options.routes.map((route) =>
    observeReset(ctx, route, clients, options).catch((error: Error) => error),
  );
  await check(retryAfterCheck, retryAfter);
  await check(headersCheck, headers);
  await check(concurrentCheck, concurrent);
  await check(xffBypassCheck, xffBypass);
  await check(perClientCheck, perClient);
  await check(healthExemptCheck, healthExempt);
  await check(resetCheck, async ({ c, route }) => {
    const observed: ResetObservation | Error = await resets[options.routes.indexOf(route)];
    if (observed instanceof Error) throw observed;
    return judgeReset(c, observed, options);
  });
}
