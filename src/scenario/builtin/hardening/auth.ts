import { mintHs256Token } from '../../../http/jwt.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import type { RouteProbe } from './options.ts';

interface Credential {
  name: string;
  /** The Authorization header, or undefined for none at all. */
  header?: string;
}

/** Credentials that must all be turned away: none, garbage, forged with guessable keys, unsigned. */
async function badCredentials(weakSecrets: readonly string[]): Promise<Credential[]> {
  const forged = await Promise.all(
    weakSecrets.map(async (secret) => ({
      name: `an HS256 token signed with "${secret}"`,
      header: `Bearer ${await mintHs256Token(secret, { sub: 'shakedown' })}`,
    })),
  );
  return [
    { name: 'no token' },
    { name: 'a garbage token', header: 'Bearer not-a-token' },
    ...forged,
    { name: 'an unsigned token (alg: none)', header: `Bearer ${unsignedToken()}` },
  ];
}

function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'shakedown', exp })}.`;
}

export const authRequiredCheck = defineCheck(import.meta.url, {
  id: 'auth.required',
  title: 'Protected routes refuse missing, garbage and forged tokens',
  verifies:
    'Every protected route (hardeningScenario protectedRoutes) answers 401 to no token, a garbage token, HS256 tokens signed with guessable secrets, and an unsigned (alg: none) token.',
  failsWhen: 'Any of those requests is answered with anything but 401: served, forbidden, or an error.',
  fix: 'Verify the token on every protected route with your real key and a fixed list of accepted algorithms (never none), and answer 401 when verification fails.',
  severity: 'blocking',
  proof: { faults: ['auth-off'] },
});

/**
 * Every protected route answers 401 to every bad credential. Each request comes from
 * a fresh source address, so a per-IP rate limiter in front of authentication cannot answer 429 instead.
 */
export async function checkAuthRequired(
  ctx: ScenarioContext,
  c: CheckContext,
  routes: readonly RouteProbe[],
  weakSecrets: readonly string[],
): Promise<CheckOutcome> {
  if (routes.length === 0) {
    return c.skip(
      'no protected routes configured: hardeningScenario({ protectedRoutes: [{ method, path }] })',
    );
  }
  const credentials = await badCredentials(weakSecrets);
  const problems: string[] = [];
  let firstFailure: Awaited<ReturnType<typeof ctx.http.request>> | undefined;
  for (const route of routes) {
    for (const credential of credentials) {
      const exchange = await ctx.http.request({
        method: route.method,
        path: route.path,
        body: route.body,
        headers: { ...route.headers, ...(credential.header ? { authorization: credential.header } : {}) },
        auth: false,
        localAddress: ctx.addresses.next(),
      });
      const status = exchange.response?.status;
      if (status === 401) continue;
      problems.push(
        `${route.method} ${route.path} with ${credential.name} → ${status ?? exchange.error?.code}`,
      );
      firstFailure ??= exchange;
    }
  }
  const total = routes.length * credentials.length;
  if (firstFailure) {
    return c.fail(
      `${problems.length} of ${total} unauthenticated requests were not answered 401: ${problems.slice(0, 5).join('; ')}`,
      c.evidence(firstFailure, { errors: problems }),
    );
  }
  return c.pass(
    `${routes.length} protected routes (${routes
      .slice(0, 4)
      .map((r) => `${r.method} ${r.path}`)
      .join(
        ', ',
      )}${routes.length > 4 ? ', …' : ''}) answered 401 to each of: ${credentials.map((k) => k.name).join(', ')}`,
    { routes: routes.map((r) => `${r.method} ${r.path}`), credentials: credentials.map((k) => k.name) },
  );
}
