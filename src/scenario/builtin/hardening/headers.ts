import type { HttpExchange, HttpRequestOptions } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { jsonBodyOfBytes } from './body-limit.ts';
import type { HardeningSettings, RouteProbe } from './options.ts';
import { assessSecurityHeaders, observatoryScore } from './security-headers.ts';

interface Probe {
  expected: number;
  /** Produces the response to examine; undefined when nothing is configured to produce this status. */
  send?: () => Promise<HttpExchange>;
}

function request(route: RouteProbe, extra: Partial<HttpRequestOptions> = {}): HttpRequestOptions {
  return { method: route.method, path: route.path, body: route.body, headers: route.headers, ...extra };
}

/** 200, 401, 404, 413 and 429 responses, each produced as configured (see HardeningSettings.probes). */
function probes(ctx: ScenarioContext, s: HardeningSettings): Probe[] {
  const { probes: p, bodyLimit } = s;
  const unauthorized = p.unauthorized ?? s.protectedRoutes[0];
  const tooLarge: RouteProbe | undefined =
    p.tooLarge ??
    (bodyLimit && {
      method: bodyLimit.method,
      path: bodyLimit.path,
      body: jsonBodyOfBytes(bodyLimit.bytes + 1),
      headers: { 'content-type': bodyLimit.contentType },
    });
  const { tooMany } = p;
  return [
    { expected: 200, send: () => ctx.http.request({ path: p.ok ?? s.health.live, auth: false }) },
    { expected: 401, send: unauthorized && (() => ctx.http.request(request(unauthorized, { auth: false }))) },
    { expected: 404, send: () => ctx.http.request({ path: p.notFound }) },
    {
      expected: 413,
      send: tooLarge && (() => ctx.http.request(request(tooLarge, { localAddress: ctx.addresses.next() }))),
    },
    { expected: 429, send: tooMany && (() => exhaustQuota(ctx, tooMany)) },
  ];
}

/** The same request from one fresh source address until it answers 429, at most maxRequests times. */
async function exhaustQuota(
  ctx: ScenarioContext,
  route: RouteProbe & { maxRequests: number },
): Promise<HttpExchange> {
  const localAddress = ctx.addresses.next();
  let exchange = await ctx.http.request(request(route, { localAddress }));
  for (
    let sent = 1;
    sent < route.maxRequests && exchange.response?.status !== 429 && !ctx.signal.aborted;
    sent++
  ) {
    exchange = await ctx.http.request(request(route, { localAddress }));
  }
  return exchange;
}

export const securityHeadersCheck = defineCheck(import.meta.url, {
  id: 'headers.security',
  title: 'Security headers on 200, 401, 404, 413 and 429 responses',
  verifies:
    'Every status a client sees (200, 401, 404, 413, 429) carries X-Content-Type-Options: nosniff and frame protection (CSP frame-ancestors or X-Frame-Options), HSTS over https, and no X-Powered-By or versioned Server header.',
  failsWhen:
    'A probed response lacks nosniff or frame protection, lacks HSTS over https, or names the framework or server version. A status that could not be provoked, or HSTS missing over plain http, only warns.',
  fix: 'Set the headers in the outermost layer so error, 413 and 429 responses get them too (helmet for Express, @fastify/helmet, a proxy rule, or your framework’s middleware), and switch off X-Powered-By and version banners.',
  severity: 'blocking',
  proof: { faults: ['headers-off'] },
});

/**
 * The rules hold on every status a client sees, error responses included (they
 * are often produced by a different code path that skips the security middleware).
 */
export async function checkSecurityHeaders(
  ctx: ScenarioContext,
  c: CheckContext,
  settings: HardeningSettings,
): Promise<CheckOutcome> {
  const https = ctx.target.baseUrl.startsWith('https:');
  const problems: string[] = [];
  const warnings: string[] = [];
  const notSeen: string[] = [];
  const responses: Record<string, unknown>[] = [];
  let firstBad: HttpExchange | undefined;
  let okHeaders: Record<string, string> | undefined;
  for (const probe of probes(ctx, settings)) {
    if (!probe.send) {
      notSeen.push(`${probe.expected} (no probe configured)`);
      continue;
    }
    const exchange = await probe.send();
    const status = exchange.response?.status;
    if (status !== probe.expected) notSeen.push(`${probe.expected} (got ${status ?? exchange.error?.code})`);
    if (!exchange.response) continue;
    const assessment = assessSecurityHeaders(exchange.response.headers, https);
    if (status === 200) okHeaders ??= exchange.response.headers;
    // Which route was judged, so a user can tell the probe from the rule: `401 POST /v1/sessions`.
    const route = `${exchange.request.method} ${new URL(exchange.request.url).pathname}`;
    problems.push(...assessment.problems.map((p) => `${status} (${route}): ${p}`));
    warnings.push(...assessment.warnings.map((w) => `${status} (${route}): ${w}`));
    if (assessment.problems.length > 0) firstBad ??= exchange;
    responses.push({ status, route, url: exchange.request.url, ...assessment });
  }
  const score = okHeaders && observatoryScore(okHeaders, https);
  const extra = { responses, observatory: score, errors: [...problems, ...warnings] };
  const evidence = firstBad ? c.evidence(firstBad, extra) : extra;
  const graded = score ? ` (Observatory-style score ${score.score}, ${score.grade})` : '';
  if (problems.length > 0) return c.fail(`${problems.slice(0, 4).join('; ')}${graded}`, evidence);
  const seen = `${responses.map((r) => r.status).join(', ')} (judged: ${responses.map((r) => `${r.status} ${r.route}`).join(', ')})`;
  if (notSeen.length > 0 || warnings.length > 0) {
    const gaps = notSeen.length > 0 ? [`not examined: ${notSeen.join(', ')}`] : [];
    return c.warn(
      `security headers hold on ${seen}; ${[...gaps, ...warnings].join('; ')}${graded}`,
      evidence,
    );
  }
  return c.pass(
    `nosniff, frame protection, HSTS, no X-Powered-By and no Server version on ${seen}${graded}`,
    evidence,
  );
}
