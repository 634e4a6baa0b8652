import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckOutcome } from '../../define.ts';
import { burst, isSuccess, outcome } from './clients.ts';
import {
  describePolicy,
  parseRateLimitHeaders,
  parseRetryAfter,
  pickPolicy,
  type RateLimitPolicy,
} from './headers.ts';
import { unlessRefused } from './quota-checks.ts';
import type { RouteCheck } from './route-check.ts';
import { findStackTrace } from './stack-trace.ts';

export const retryAfterCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.retry-after',
  title: 'A 429 says when to retry',
  verifies:
    'Every 429 carries Retry-After (whole seconds, at least 1, or an HTTP date) no shorter than the RateLimit reset it advertises, and no stack trace in its body.',
  failsWhen:
    'A 429 has no Retry-After, an unparseable or zero one, or one shorter than the real window, so clients that obey it are refused again; or its body shows a stack trace.',
  fix: 'Send Retry-After on every 429, computed from the limiter window that refused the request (most rate-limit middlewares have an option for it), and keep error bodies free of stack traces.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-no-retry-after', 'rate-limit-short-retry-after'] },
});

export const headersCheck = defineCheck(import.meta.url, {
  id: 'rate-limit.headers',
  title: 'RateLimit headers are present and consistent',
  verifies:
    'Whichever rate-limit headers the route sends (RateLimit with RateLimit-Policy, RateLimit-Limit/-Remaining/-Reset, or X-RateLimit-*) are on every response and agree with each other and with the documented quota and window: remaining falls with each request and is 0 on the 429.',
  failsWhen:
    'Some responses lack them, they contradict each other or the documented quota or window, or remaining does not fall as requests are served. No rate-limit headers at all only warns.',
  fix: 'Produce the headers from the same limiter state that decides the 429, with the quota and window it really enforces.',
  severity: 'blocking',
  proof: { faults: ['rate-limit-inconsistent-headers'] },
});

/**
 * The 429 tells the client when to come back (integer seconds ≥ 1 or an
 * HTTP-date), no earlier than the RateLimit reset it advertises, and leaks no stack trace.
 */
export async function retryAfter({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const client = await clients.fresh(route);
  const b = await burst(ctx, route, client);
  const skipped = unlessRefused(c, b);
  if (skipped) return skipped;
  const response = b.limited!.response!;
  const header = response.headers['retry-after'];
  const parsed = parseRetryAfter(header, response.headers.date, b.limited!.startedAt);
  const policy = pickPolicy(parseRateLimitHeaders(response.headers, b.limited!.startedAt), route.limit);
  const problems: string[] = [];
  if (!parsed) problems.push('the 429 has no Retry-After header, so clients can only guess when to retry');
  else if (parsed.form === 'invalid') {
    problems.push(`Retry-After "${parsed.raw}" is neither delay-seconds nor an HTTP-date`);
  } else if (parsed.seconds < 1) {
    problems.push(`Retry-After "${parsed.raw}" is ${parsed.seconds} s: clients would retry at once`);
  } else if (policy?.resetSec !== undefined) {
    // One second of slack: both values are rounded to whole seconds, and an HTTP-date or a legacy
    // Unix-time reset is measured against a Date header that is itself truncated to the second.
    if (parsed.seconds + 1 < policy.resetSec) {
      problems.push(
        `Retry-After is ${parsed.seconds} s but the RateLimit reset is ${policy.resetSec} s: a client that obeys it is refused again`,
      );
    }
  }
  const trace = findStackTrace(response.text());
  if (trace) problems.push(`the 429 body contains a stack trace ("${trace}")`);
  const evidence = c.evidence(b.limited!, { client: client.label });
  if (problems.length > 0) return c.fail(problems.join('; '), evidence);
  const seconds = parsed && parsed.form !== 'invalid' ? parsed.seconds : undefined;
  const consistent =
    policy?.resetSec !== undefined ? `, not before the RateLimit reset of ${policy.resetSec} s` : '';
  return c.pass(
    `the 429 has Retry-After: ${header} (${seconds} s${consistent}) and no stack trace in its body`,
    evidence,
  );
}

/**
 * Whatever generation of RateLimit headers the route sends must agree with
 * itself and with the documented limit: remaining strictly decreasing, the quota and window as
 * configured, 0 remaining on the 429. No headers at all is a `warn` (allowed, unhelpful).
 */
export async function headers({ ctx, c, route, clients }: RouteCheck): Promise<CheckOutcome> {
  const client = await clients.fresh(route);
  const b = await burst(ctx, route, client);
  if (b.unexpected) return unlessRefused(c, b)!;
  const rows = b.exchanges.map((e) => ({
    exchange: e,
    status: outcome(e),
    policy: pickPolicy(parseRateLimitHeaders(e.response?.headers ?? {}, e.startedAt), route.limit),
  }));
  const table = rows.map((r, i) => `${i + 1}: ${r.status} ${r.policy ? describePolicy(r.policy) : '(none)'}`);
  const evidence = c.evidence(b.exchanges.at(-1)!, { client: client.label, rateLimitHeaders: table });
  const policies = rows.flatMap((r) => (r.policy ? [r.policy] : []));
  if (policies.length === 0) {
    return c.warn(
      `none of ${rows.length} responses carries RateLimit, RateLimit-* or X-RateLimit-* headers: clients cannot see their quota and pace themselves`,
      evidence,
    );
  }
  const problems: string[] = [];
  const missing = rows.flatMap((r, i) => (r.policy ? [] : [i + 1]));
  if (missing.length > 0) problems.push(`responses ${missing.join(', ')} carry no rate-limit headers`);
  const quota = policies.find((p) => p.quota !== undefined)?.quota;
  if (quota !== undefined && quota !== route.limit)
    problems.push(`the advertised quota is ${quota}, the configured limit ${route.limit}`);
  const windowSec = policies.find((p) => p.windowSec !== undefined)?.windowSec;
  if (windowSec !== undefined && windowSec !== route.windowSec)
    problems.push(`the advertised window is ${windowSec} s, the configured one ${route.windowSec} s`);
  problems.push(...remainingProblems(rows, route.limit), ...resetProblems(rows, route.windowSec));
  if (problems.length > 0) return c.fail(problems.join('; '), evidence);
  const remaining = policies.map((p) => p.remaining).filter((r) => r !== undefined);
  const quotaText = quota !== undefined ? `: quota ${quota}` : '';
  const windowText = windowSec !== undefined ? ` per ${windowSec} s` : '';
  return c.pass(
    `${policies[0].form} headers on all ${rows.length} responses${quotaText}${windowText}, remaining ${remaining.join(' → ')}`,
    evidence,
  );
}

type Row = { exchange: HttpExchange; policy?: RateLimitPolicy };

function remainingProblems(rows: readonly Row[], limit: number): string[] {
  const problems: string[] = [];
  let previous: number | undefined;
  rows.forEach((row, i) => {
    const remaining = row.policy?.remaining;
    if (remaining === undefined) return;
    if (remaining < 0 || remaining > limit) problems.push(`response ${i + 1} says ${remaining} remain`);
    if (isSuccess(row.exchange)) {
      if (previous !== undefined && remaining >= previous)
        problems.push(
          `remaining did not decrease from response ${i} to ${i + 1} (${previous} → ${remaining})`,
        );
      previous = remaining;
    } else if (row.exchange.response?.status === 429 && remaining !== 0) {
      problems.push(`the 429 says ${remaining} requests remain`);
    }
  });
  return problems;
}

function resetProblems(rows: readonly Row[], windowSec: number): string[] {
  // One second of slack: servers round the reset up.
  const bad = rows.findIndex((r) => {
    const reset = r.policy?.resetSec;
    return reset !== undefined && (reset < 0 || reset > Math.ceil(windowSec) + 1);
  });
  if (bad < 0) return [];
  return [
    `response ${bad + 1} says the quota resets in ${rows[bad].policy!.resetSec} s, outside the ${windowSec} s window`,
  ];
}
