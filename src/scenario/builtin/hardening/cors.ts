import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';

export const corsNoReflectionCheck = defineCheck(import.meta.url, {
  id: 'cors.no-reflection',
  title: 'Hostile and look-alike origins are not trusted',
  verifies:
    'An unrelated origin, the null origin, and look-alikes of each allowed origin (suffix, prefix, unescaped dot, other scheme or port) get no Access-Control-Allow-Origin, on simple requests and on preflights.',
  failsWhen:
    'A disallowed origin is reflected, gets "*" with credentials allowed, or gets any other origin back; "*" without credentials only warns (fine for public data).',
  fix: 'Compare the Origin header exactly against a list of full origins (scheme, host and port), never by prefix, suffix or unescaped regular expression, and never echo it back unchecked.',
  severity: 'blocking',
  proof: { faults: ['cors-reflect'] },
});

export const corsAllowedOriginCheck = defineCheck(import.meta.url, {
  id: 'cors.allowed-origin',
  title: 'Allowed origins get an exact CORS answer and a working preflight',
  verifies:
    'Each allowed origin (hardeningScenario cors.allowedOrigins) gets exactly its own origin back with Vary: Origin, and a preflight for the configured method and headers succeeds without credentials and lists them.',
  failsWhen:
    'An allowed origin gets no or another Access-Control-Allow-Origin, a response lacks Vary: Origin, or the preflight fails or leaves out the method or a requested header (Authorization must be listed by name).',
  fix: 'Answer allow-listed origins with their exact origin, add Vary: Origin to every response that depends on Origin, and let preflights (OPTIONS) through before authentication with the methods and headers your clients send.',
  severity: 'blocking',
  proof: { faults: ['cors-no-vary'] },
});

export interface CorsPlan {
  allowedOrigins: readonly string[];
  /** Simple cross-origin GETs go here. */
  path: string;
  preflight: { method: string; path: string; headers: readonly string[] };
}

/**
 * Origins a naive allow-list lets through: an unrelated site, the opaque `null` origin, and for each
 * allowed origin the look-alikes that defeat suffix/prefix matching and unescaped regex dots, plus the
 * same host over the other scheme or another port.
 */
export function disallowedOrigins(allowed: readonly string[]): string[] {
  const candidates = ['https://evil.test', 'null'];
  for (const origin of allowed) {
    const { protocol, hostname, port } = new URL(origin);
    const portPart = port ? `:${port}` : '';
    candidates.push(
      `${protocol}//${hostname}.evil.test${portPart}`,
      `${protocol}//evil${hostname}${portPart}`,
      `${protocol}//${hostname.replace('.', 'x')}${portPart}`,
      `${protocol === 'https:' ? 'http:' : 'https:'}//${hostname}${portPart}`,
      `${protocol}//${hostname}:${port === '8443' ? '9443' : '8443'}`,
    );
  }
  return [...new Set(candidates)].filter((o) => !allowed.includes(o));
}

function corsRequest(ctx: ScenarioContext, plan: CorsPlan, origin: string, preflight: boolean) {
  return preflight
    ? ctx.http.request({
        method: 'OPTIONS',
        path: plan.preflight.path,
        auth: false,
        headers: {
          origin,
          'access-control-request-method': plan.preflight.method,
          'access-control-request-headers': plan.preflight.headers.join(', '),
        },
      })
    : ctx.http.request({ path: plan.path, auth: false, headers: { origin } });
}

/** What is wrong with the CORS answer to a disallowed origin: 'fail' text, 'warn' text, or nothing. */
export function judgeDisallowed(
  origin: string,
  headers: Record<string, string>,
  allowed: readonly string[],
): { level: 'fail' | 'warn'; note: string } | undefined {
  const acao = headers['access-control-allow-origin'];
  const credentials = headers['access-control-allow-credentials']?.trim().toLowerCase() === 'true';
  if (acao === undefined || allowed.includes(acao.trim())) return undefined;
  if (acao.trim() === origin) {
    return {
      level: 'fail',
      note: `${origin} was reflected${credentials ? ' with credentials allowed' : ''}`,
    };
  }
  if (acao.trim() === '*') {
    return credentials
      ? { level: 'fail', note: `${origin} got "*" with credentials allowed` }
      : {
          level: 'warn',
          note: `${origin} got "*": any site can read these responses (fine only for public data)`,
        };
  }
  return { level: 'fail', note: `${origin} got Access-Control-Allow-Origin: ${acao}` };
}

/** Look-alike and hostile origins get no Access-Control-Allow-Origin. */
export async function checkNoReflection(
  ctx: ScenarioContext,
  c: CheckContext,
  plan: CorsPlan,
): Promise<CheckOutcome> {
  const origins = disallowedOrigins(plan.allowedOrigins);
  const fails: string[] = [];
  const warns: string[] = [];
  let worst: HttpExchange | undefined;
  for (const origin of origins) {
    for (const preflight of [false, true]) {
      const exchange = await corsRequest(ctx, plan, origin, preflight);
      if (!exchange.response) {
        fails.push(
          `${preflight ? 'preflight' : 'GET'} with Origin ${origin} failed: ${exchange.error?.code}`,
        );
        worst ??= exchange;
        continue;
      }
      const judged = judgeDisallowed(origin, exchange.response.headers, plan.allowedOrigins);
      if (!judged) continue;
      (judged.level === 'fail' ? fails : warns).push(`${preflight ? 'preflight' : 'GET'}: ${judged.note}`);
      if (judged.level === 'fail' || !worst) worst = exchange;
    }
  }
  const evidence = worst ? c.evidence(worst, { origins, errors: [...fails, ...warns] }) : { origins };
  if (fails.length > 0)
    return c.fail(
      `${fails.length} CORS answers trust an origin they must not: ${fails.slice(0, 4).join('; ')}`,
      evidence,
    );
  if (warns.length > 0) return c.warn(warns[0], evidence);
  return c.pass(
    `${origins.length} disallowed origins got no Access-Control-Allow-Origin, on GET ${plan.path} and on the ${plan.preflight.method} ${plan.preflight.path} preflight`,
    evidence,
  );
}

/** Exact ACAO and Vary: Origin for allowed origins; preflight works without credentials. */
export async function checkAllowedOrigin(
  ctx: ScenarioContext,
  c: CheckContext,
  plan: CorsPlan,
): Promise<CheckOutcome> {
  if (plan.allowedOrigins.length === 0) {
    return c.skip('no allowed origins configured: hardeningScenario({ cors: { allowedOrigins: [...] } })');
  }
  const problems: string[] = [];
  let firstBad: HttpExchange | undefined;
  let last: HttpExchange | undefined;
  for (const origin of plan.allowedOrigins) {
    for (const preflight of [false, true]) {
      const exchange = await corsRequest(ctx, plan, origin, preflight);
      last = exchange;
      const found = allowedProblems(origin, exchange, preflight, plan);
      if (found.length > 0) firstBad ??= exchange;
      problems.push(...found);
    }
  }
  const evidence = c.evidence((firstBad ?? last)!, problems.length > 0 ? { errors: problems } : {});
  if (problems.length > 0) return c.fail(problems.slice(0, 4).join('; '), evidence);
  return c.pass(
    `${plan.allowedOrigins.join(', ')}: exact Access-Control-Allow-Origin with Vary: Origin on GET ${plan.path}, and a ${plan.preflight.method} ${plan.preflight.path} preflight without credentials allowed`,
    evidence,
  );
}

export function allowedProblems(
  origin: string,
  exchange: HttpExchange,
  preflight: boolean,
  plan: CorsPlan,
): string[] {
  const what = preflight ? `preflight ${plan.preflight.method} ${plan.preflight.path}` : `GET ${plan.path}`;
  const { response } = exchange;
  if (!response) return [`${what} from ${origin} failed: ${exchange.error?.code}`];
  const h = response.headers;
  const problems: string[] = [];
  if (response.status < 200 || response.status >= 300)
    problems.push(`${what} from ${origin} answered ${response.status}`);
  if (h['access-control-allow-origin'] !== origin) {
    problems.push(
      `${what} from ${origin} got Access-Control-Allow-Origin ${h['access-control-allow-origin'] ?? '(none)'}`,
    );
  }
  const vary = (h.vary ?? '').split(',').map((v) => v.trim().toLowerCase());
  if (!preflight && !vary.includes('origin') && !vary.includes('*')) {
    problems.push(
      `${what} from ${origin} lacks Vary: Origin (a shared cache would serve this answer to other origins)`,
    );
  }
  if (preflight) problems.push(...preflightProblems(what, h, plan.preflight));
  return problems;
}

function preflightProblems(
  what: string,
  h: Record<string, string>,
  preflight: CorsPlan['preflight'],
): string[] {
  const list = (name: string) =>
    (h[name] ?? '')
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean);
  const methods = list('access-control-allow-methods');
  const headers = list('access-control-allow-headers');
  const problems: string[] = [];
  if (!methods.includes(preflight.method.toLowerCase()) && !methods.includes('*')) {
    problems.push(
      `${what}: Access-Control-Allow-Methods (${methods.join(', ') || 'none'}) lacks ${preflight.method}`,
    );
  }
  for (const header of preflight.headers.map((n) => n.toLowerCase())) {
    // A wildcard never covers Authorization (Fetch standard), so it must be listed by name.
    const covered = headers.includes(header) || (headers.includes('*') && header !== 'authorization');
    if (!covered)
      problems.push(
        `${what}: Access-Control-Allow-Headers (${headers.join(', ') || 'none'}) lacks ${header}`,
      );
  }
  return problems;
}
