import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { type Burst, burst, type Clients, isSuccess, NoFreshQuota, outcome, send } from './clients.ts';
import { parseRateLimitHeaders, parseRetryAfter, pickPolicy } from './headers.ts';
import type { RateLimitOptions, RateLimitRoute } from './options.ts';
import { routeLabel } from './options.ts';
import { unlessRefused } from './quota-checks.ts';

/** What happened while waiting out one route's window; judged later by {@link judgeReset}. */
export type ResetObservation =
  | { kind: 'no-quota'; reason: string }
  | { kind: 'not-refused'; burst: Burst }
  | { kind: 'too-long'; burst: Burst; waitSec: number; source: string }
  | {
      kind: 'retried';
      burst: Burst;
      waitSec: number;
      source: string;
      clientLabel: string;
      retry: HttpExchange;
    };

// Seconds are rounded up by servers, and clocks tick between the 429 and the timer.
const MARGIN_SEC = 1;

/**
 * Uses up a fresh quota, waits as long as the 429 says (Retry-After, else the RateLimit reset,
 * else the configured window), and tries again. Started before the other checks so the wait
 * overlaps them.
 */
export async function observeReset(
  ctx: ScenarioContext,
  route: RateLimitRoute,
  clients: Clients,
  options: RateLimitOptions,
): Promise<ResetObservation> {
  let client: Awaited<ReturnType<Clients['fresh']>>;
  try {
    client = await clients.fresh(route);
  } catch (error) {
    if (error instanceof NoFreshQuota) return { kind: 'no-quota', reason: error.message };
    throw error;
  }
  const b = await burst(ctx, route, client);
  if (!b.limited || b.unexpected) return { kind: 'not-refused', burst: b };
  const { waitSec, source } = announcedWait(b.limited, route);
  if (waitSec > options.maxWaitSec) return { kind: 'too-long', burst: b, waitSec, source };
  await ctx.log(
    `${resetCheck.id}: waiting ${Math.max(waitSec, 0) + MARGIN_SEC} s for the ${routeLabel(route)} quota to reset (${source} said ${waitSec} s)`,
  );
  await sleep((Math.max(waitSec, 0) + MARGIN_SEC) * 1000, undefined, { signal: ctx.signal }).catch(() => {});
  const retry = await send(ctx, route, client);
  return { kind: 'retried', burst: b, waitSec, source, clientLabel: client.label, retry };
}

export const resetCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.reset',
  title: 'The quota comes back after Retry-After',
  verifies:
    'A refused client that waits as long as the 429 said (Retry-After, else the RateLimit reset, else the configured window) is served again.',
  failsWhen:
    'After the announced wait the client still gets 429 (the header promises a reset that does not happen) or an error. A wait longer than maxWaitSec is skipped.',
  fix: 'Announce the time until the limiter really lets the client in again, from the same window that refused it.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-short-retry-after'] },
});

/** After the announced wait, the client is served again. */
export function judgeReset(
  c: CheckContext,
  observed: ResetObservation,
  options: RateLimitOptions,
): CheckOutcome {
  if (observed.kind === 'no-quota') return c.skip(observed.reason);
  if (observed.kind === 'not-refused') return unlessRefused(c, observed.burst)!;
  if (observed.kind === 'too-long') {
    return c.skip(
      `${observed.source} is ${observed.waitSec} s, longer than maxWaitSec (${options.maxWaitSec} s): raise maxWaitSec, or shorten the window in a test environment, to see the quota reset`,
      c.evidence(observed.burst.limited!),
    );
  }
  const { retry, waitSec, source, clientLabel } = observed;
  const waited = Math.max(waitSec, 0) + MARGIN_SEC;
  const evidence = c.evidence(retry, { client: clientLabel, waitedSec: waited, announcedBy: source });
  if (isSuccess(retry)) {
    return c.pass(
      `${source} said ${waitSec} s; ${waited} s later ${clientLabel} got ${outcome(retry)} again`,
      evidence,
    );
  }
  if (retry.response?.status === 429) {
    return c.fail(
      `${source} said ${waitSec} s, yet ${waited} s later ${clientLabel} still got 429: the quota does not reset when the server says it will`,
      evidence,
    );
  }
  return c.fail(`${waited} s after the 429, the retry got ${outcome(retry)} instead of a 2xx`, evidence);
}

function announcedWait(limited: HttpExchange, route: RateLimitRoute): { waitSec: number; source: string } {
  const headers = limited.response!.headers;
  const retryAfter = parseRetryAfter(headers['retry-after'], headers.date, limited.startedAt);
  if (retryAfter && retryAfter.form !== 'invalid')
    return { waitSec: retryAfter.seconds, source: 'Retry-After' };
  const reset = pickPolicy(parseRateLimitHeaders(headers, limited.startedAt), route.limit)?.resetSec;
  if (reset !== undefined) return { waitSec: reset, source: 'the RateLimit reset' };
  return { waitSec: route.windowSec, source: 'the configured window' };
}
