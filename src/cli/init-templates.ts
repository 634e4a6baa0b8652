// Over 350 lines because the templates of every file `init` writes (config, scenarios, soak, CI) sit together, as the user will read them.
import { preferredMediaType, sampleValue } from '../contract/generate.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';

/** What `shakedown init` learnt from the spec; every field may be empty (no spec, nothing found). */
export interface InitPlan {
  target?: string;
  /** As the config names it: a file relative to the config, a URL, or a path on the target. */
  specRef?: string;
  title?: string;
  /** GET routes named like probes, in spec order. */
  healthPaths: string[];
  live?: string;
  ready?: string;
  /** POST routes without path parameters, not webhook receivers: rate-limit candidates. */
  postRoutes: { path: string /** A valid body sampled from the spec, when it has one. */; body?: unknown }[];
  webhook?: { path: string; scheme: 'stripe' | 'standard-webhooks' | 'github' | 'slack'; inferred: boolean };
  auth?: { kind: 'bearer' } | { kind: 'header'; name: string } | { kind: 'other'; description: string };
  /** Operations that declare security, as concrete paths (parameters filled with a placeholder). */
  protectedRoutes: { method: string; path: string }[];
  /** A cheap GET without parameters, for keep-alive traffic and the soak template. */
  getRoute?: string;
  hasMetrics: boolean;
}

const HEALTH = /\/(health|healthz|healthcheck|live|livez|liveness|ready|readyz|readiness|ping|status)$/i;
const WEBHOOK = /webhook|\/hooks?\b/i;

export function inferPlan(input: { spec: ApiSpec | null; specRef?: string; target?: string }): InitPlan {
  const { spec } = input;
  const ops = spec?.operations ?? [];
  const full = (op: Operation) => `${spec?.basePath ?? ''}${op.path}`;
  const concrete = (op: Operation) => !op.path.includes('{');

  const healthPaths = ops.filter((op) => op.method === 'GET' && HEALTH.test(op.path)).map(full);
  const live = healthPaths.find((p) => /live|health|ping|status/i.test(p.split('/').at(-1) ?? ''));
  const ready = healthPaths.find((p) => /ready/i.test(p.split('/').at(-1) ?? ''));
  const webhookOp = ops.find((op) => op.method === 'POST' && WEBHOOK.test(op.path) && concrete(op));
  const postRoutes = ops
    .filter((op) => op.method === 'POST' && concrete(op) && op !== webhookOp)
    .map((op) => ({ path: full(op), body: spec ? sampleBody(spec, op) : undefined }));
  const protectedRoutes = ops
    .filter((op) => op.security.length > 0 && op !== webhookOp)
    .slice(0, 12)
    .map((op) => ({
      method: op.method,
      path: full(op).replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
    }));
  const getRoute =
    ops.find(
      (op) =>
        op.method === 'GET' &&
        concrete(op) &&
        !HEALTH.test(op.path) &&
        !/\/(metrics|openapi|docs|swagger)/i.test(op.path) &&
        op.security.length === 0,
    )?.path ?? undefined;
  return {
    target: input.target,
    specRef: input.specRef,
    title: titleOf(spec),
    healthPaths,
    live,
    ready,
    postRoutes,
    webhook: webhookOp ? { path: full(webhookOp), ...webhookScheme(webhookOp) } : undefined,
    auth: authOf(ops),
    protectedRoutes,
    getRoute: getRoute ? `${spec?.basePath ?? ''}${getRoute}` : (live ?? ready),
    hasMetrics: ops.some((op) => op.method === 'GET' && /\/metrics$/.test(op.path)),
  };
}

function sampleBody(spec: ApiSpec, op: Operation): unknown {
  const media = op.requestBody ? preferredMediaType(op.requestBody.content) : undefined;
  if (!media?.schemaPointer || !/json/i.test(media.mediaType)) return undefined;
  return sampleValue(spec, media.schemaPointer);
}

const literal = (value: unknown) => (value === undefined ? '{}' : JSON.stringify(value));

function titleOf(spec: ApiSpec | null): string | undefined {
  const info = (spec?.document as { info?: { title?: unknown } } | undefined)?.info;
  return typeof info?.title === 'string' ? info.title : undefined;
}

function webhookScheme(op: Operation): {
  scheme: NonNullable<InitPlan['webhook']>['scheme'];
  inferred: boolean;
} {
  const headers = op.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
  const text = `${op.path} ${headers.join(' ')}`.toLowerCase();
  if (text.includes('stripe')) return { scheme: 'stripe', inferred: true };
  if (text.includes('x-hub-signature') || text.includes('github'))
    return { scheme: 'github', inferred: true };
  if (text.includes('x-slack') || text.includes('slack')) return { scheme: 'slack', inferred: true };
  if (text.includes('webhook-signature') || text.includes('svix'))
    return { scheme: 'standard-webhooks', inferred: true };
  return { scheme: 'stripe', inferred: false };
}

function authOf(ops: readonly Operation[]): InitPlan['auth'] {
  const scheme = ops.flatMap((op) => op.security.flat())[0];
  if (!scheme) return undefined;
  if (scheme.type === 'http' && scheme.scheme === 'bearer') return { kind: 'bearer' };
  if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect') return { kind: 'bearer' };
  if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.paramName)
    return { kind: 'header', name: scheme.paramName };
  return {
    kind: 'other',
    description: `${scheme.name} (${scheme.type}${scheme.in ? ` in ${scheme.in}` : ''})`,
  };
}

const q = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The files to write, by path relative to the project root. */
export function renderFiles(plan: InitPlan): Record<string, string> {
  const files: Record<string, string> = {
    'shakedown.config.ts': renderConfig(plan),
    'scenarios/hardening.scenario.ts': renderHardening(plan),
    'scenarios/graceful-shutdown.scenario.ts': renderShutdown(plan),
    'soak/sessions.soak.ts': renderSoak(plan),
    '.github/workflows/shakedown.yml': renderWorkflow(),
  };
  if (plan.postRoutes.length > 0) files['scenarios/rate-limit.scenario.ts'] = renderRateLimit(plan);
  if (plan.webhook) files['scenarios/webhook-replay.scenario.ts'] = renderWebhook(plan);
  return files;
}

function renderConfig(plan: InitPlan): string {
  const auth =
    plan.auth?.kind === 'bearer'
      ? [
          '    // The spec declares bearer auth. SHAKEDOWN_TOKEN=<token> sets it without a line here; or mint one:',
          "    // auth: { type: 'bearer', token: () => process.env.API_TOKEN ?? '' },",
        ]
      : plan.auth?.kind === 'header'
        ? [
            `    // The spec declares an API key in the ${plan.auth.name} header.`,
            `    auth: { type: 'header', name: ${q(plan.auth.name)}, value: () => process.env.SHAKEDOWN_API_KEY ?? '' },`,
          ]
        : plan.auth?.kind === 'other'
          ? [
              `    // TODO: the spec declares ${plan.auth.description}; give Shakedown credentials for it:`,
              "    // auth: { type: 'header', name: 'Cookie', value: () => process.env.SESSION_COOKIE ?? '' },",
            ]
          : [
              '    // TODO: credentials, if the API needs any (SHAKEDOWN_TOKEN=<token> sets a bearer token):',
              "    // auth: { type: 'bearer', token: () => process.env.API_TOKEN ?? '' },",
            ];
  const spec = plan.specRef
    ? `    openapi: ${q(plan.specRef)},`
    : "    // TODO: the OpenAPI document: a file, a URL, or a path on the target such as '/openapi.json'.\n    // openapi: 'openapi.yaml',";
  const metrics = plan.hasMetrics
    ? "    metricsPath: '/metrics',"
    : "    // TODO: a Prometheus endpoint gives server memory and CPU to the leak verdicts: metricsPath: '/metrics'.\n    metricsPath: false,";
  return `import { defineConfig } from 'shakedown';

// Shakedown's config for ${plan.title ? `${plan.title}` : 'this service'}. Reference: the README's "Use it in your project"
// and docs/options.md of the shakedown package. CLI flags (--target, --spec, --duration, --sessions)
// and SHAKEDOWN_* variables override what is here, so CI can point it at staging without editing it.

// Named secrets: redacted from every report, log and curl line, available to scenarios as
// ctx.target.secrets and to soak sessions as s.secrets. Read them from the environment; never commit them.
const secrets: Record<string, string> = {};
if (process.env.WEBHOOK_SECRET) secrets.WEBHOOK_SECRET = process.env.WEBHOOK_SECRET;

export default defineConfig({
  secrets,
  target: {
    // --target <url> or SHAKEDOWN_TARGET=<url> override it. Load (soak, load, rate-limit) goes only to
    // loopback unless the host is listed in loadAllowedHosts (or SHAKEDOWN_LOAD_ALLOWED_HOSTS).
    baseUrl: ${q(plan.target ?? 'http://127.0.0.1:8000')},
${spec}
${auth.join('\n')}
    loadAllowedHosts: [],
  },
  // 'url': test a service that is already running. To have Shakedown start it (and run the
  // graceful-shutdown and startup checks), use for example:
  // stack: { kind: 'local', command: 'npm start', readyUrl: ${q(plan.ready ?? plan.live ?? '/health')} },
  stack: { kind: 'url' },
  soak: {
    script: 'soak/sessions.soak.ts',
${metrics}
  },
  load: {
    // HTTP load at a fixed arrival rate, every response checked against the spec (1 in validate).
    // Without routes, the spec's GET operations are loaded (those it gives parameter values for).
    // TODO: the rate your service must hold, and the routes that matter, e.g.
    // routes: [{ method: 'GET', path: '/items/{id}', params: { id: '42' }, weight: 3 }],
    ratePerSec: 20,
  },
  profiles: {
    // npx shakedown run --profile quick: a minute of soak and 20 s of load, for pull requests and local runs.
    quick: { soak: { durationSec: 60, warmupSec: 10, sessions: 5 }, load: { durationSec: 20 } },
    // The default: the nightly and pre-release runs.
    full: { soak: { durationSec: 900, warmupSec: 60, sessions: 50 }, load: { durationSec: 300 } },
  },
});
`;
}

function renderHardening(plan: InitPlan): string {
  const live = plan.live ?? plan.ready;
  const ready = plan.ready ?? plan.live;
  const health = live
    ? `  health: { live: ${q(live)}, ready: ${q(ready ?? live)} },`
    : "  // TODO: no health route found in the spec; name the liveness and readiness routes.\n  health: { live: '/livez', ready: '/readyz' },";
  const protectedRoutes =
    plan.protectedRoutes.length > 0
      ? `  // Routes the spec says need credentials: each must answer 401 without them.\n  protectedRoutes: [\n${plan.protectedRoutes.map((r) => `    { method: ${q(r.method)}, path: ${q(r.path)} },`).join('\n')}\n  ],`
      : '  // TODO: routes that must answer 401 without credentials.\n  protectedRoutes: [],';
  const post = plan.postRoutes[0]?.path ?? '/TODO';
  const postBody = literal(plan.postRoutes[0]?.body);
  return `import { hardeningScenario } from 'shakedown';

// Security headers, CORS, body limits, auth on protected routes, health probes and error hygiene.
// Options: docs/options.md of the shakedown package (hardeningScenario).
export default hardeningScenario({
${health}
  // TODO: a route that answers 429 when called too often from one address (rate limited):
  // probes: { tooMany: { method: 'POST', path: ${q(post)}, body: ${postBody}, maxRequests: 50 } },
  // TODO: the body limit of a JSON route, as configured in the service (Express's 100kb = 102400):
  // bodyLimit: { method: 'POST', path: ${q(post)}, bytes: 100 * 1024 },
  // TODO: the origins the browser app is served from; every other origin must be refused:
  // cors: { allowedOrigins: ['https://app.example.com'] },
${protectedRoutes}
  // With stack.kind 'local': the service must refuse to start without its secrets, or with placeholders.
  // startup: { requiredSecrets: ['JWT_SECRET'], placeholders: ['changeme'] },
});
`;
}

function renderShutdown(plan: InitPlan): string {
  const ready = plan.ready ?? plan.live;
  const single = ready && (!plan.live || plan.live === ready);
  const get = plan.getRoute ?? ready ?? '/TODO';
  return `import { gracefulShutdownScenario } from 'shakedown';

// SIGTERM while busy: readiness flips to 503, in-flight requests finish, keep-alive connections close
// cleanly, the process exits 0 in time. It needs a stack Shakedown starts (stack.kind 'local');
// against a running URL every check is skipped with the reason.
export default gracefulShutdownScenario({
  // TODO: a request that takes a second or more (a slow report, an upload), so it is in flight at SIGTERM.
  slowPath: ${q(get)},
  // Requested back to back on keep-alive connections; any cheap GET.
  keepAlivePath: ${q(get)},
  readyPath: ${q(ready ?? '/readyz')},
  ${single ? '// One health route: it is not checked for staying 200 while readiness flips.\n  livePath: null,' : `livePath: ${q(plan.live ?? '/livez')},`}
  // socket.io namespace to check for clean disconnects (null: the service has none). With one, also
  // socketAuth: async (ctx) => ({ token: ... }), the auth payload of one client.
  socketNamespace: null,
  graceSec: 30,
});
`;
}

function renderRateLimit(plan: InitPlan): string {
  const [first, ...others] = plan.postRoutes as [InitPlan['postRoutes'][number], ...InitPlan['postRoutes']];
  return `import { rateLimitScenario } from 'shakedown';

// Quotas hold, 429s carry Retry-After and RateLimit headers, the window resets, probes are never
// limited. Each check sends from its own loopback address, so each starts with a full quota.
export default rateLimitScenario({
  routes: [
    {
      method: 'POST',
      path: ${q(first.path)},
      // TODO: ${first.body === undefined ? 'a valid body for this route, and ' : ''}the limit the service documents for this route.
      body: ${literal(first.body)},
      limit: 10,
      windowSec: 60,
      scope: 'ip',
    },
${others
  .slice(0, 8)
  .map(
    (p) =>
      `    // TODO: also limited? { method: 'POST', path: ${q(p.path)}, body: ${literal(p.body)}, limit: 10, windowSec: 60 },`,
  )
  .join('\n')}
  ],
  healthPaths: [${plan.healthPaths.map(q).join(', ')}],
  // rate-limit.reset waits for Retry-After up to this long; longer windows are skipped.
  maxWaitSec: 70,
});
`;
}

function renderWebhook(plan: InitPlan): string {
  const webhook = plan.webhook as NonNullable<InitPlan['webhook']>;
  return `import { webhookReplayScenario } from 'shakedown';

// Shakedown plays the webhook provider: signed deliveries are accepted once, replays, stale and
// forged ones are refused. It signs with secrets.WEBHOOK_SECRET from the config (export WEBHOOK_SECRET).
export default webhookReplayScenario({
  path: ${q(webhook.path)},
  ${webhook.inferred ? '' : "// TODO: the provider's scheme: 'stripe' | 'standard-webhooks' | 'github' | 'slack', or hmacScheme({...}).\n  "}scheme: ${q(webhook.scheme)},
  secretName: 'WEBHOOK_SECRET',
  toleranceSec: 300,
  // TODO: how many times the service applied an event, to catch double processing:
  // probe: { path: '/webhooks/events/{id}', count: (body) => (body as { applied: number }).applied },
});
`;
}

function renderSoak(plan: InitPlan): string {
  const get = plan.getRoute ?? plan.live ?? '/';
  return `import { defineSoak } from 'shakedown';

/**
 * One user of the service, played for the session's lifetime; the soak holds \`sessions\` of them for
 * \`durationSec\` and judges memory, latency drift, errors and disconnects. Options and metrics:
 * docs/options.md of the shakedown package (defineSoak).
 */
export default defineSoak({
  options: {
    sessions: 10,
    eventsPerSec: 1,
    sessionLifetimeSec: 60,
    // thresholds: { reply_latency_ms: ['p(95)<200'] },
  },

  async session(s) {
    // TODO: what one user does: sign in, create something, use it. Each request is timed per route.
    for await (const { seq } of s.schedule()) {
      await s.http.request({ method: 'GET', path: ${q(get)}, headers: { 'x-request-id': \`soak-\${s.slot}-\${seq}\` } });
    }
    // With socket.io: const socket = await s.socket('/namespace', { token }); socket.emitWithAck(...)
  },
});
`;
}

function renderWorkflow(): string {
  return `# Shakedown: a pre-release gate on version tags, and every night against staging.
# Repository secrets: SHAKEDOWN_TARGET (staging URL), SHAKEDOWN_LOAD_ALLOWED_HOSTS (the staging
# host, so soak and rate-limit traffic may go there), SHAKEDOWN_TOKEN (API token), WEBHOOK_SECRET.
name: shakedown

on:
  push:
    tags: ["v*"]
  schedule:
    - cron: "17 2 * * *"
  workflow_dispatch:

permissions:
  contents: read

jobs:
  pre-release:
    name: Pre-release gate (the service built from this tag)
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 45
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: npm
      - run: npm ci --no-audit --no-fund
      # TODO: start the service on 127.0.0.1:8000 (or set stack.kind 'local' in shakedown.config.ts
      # and drop this step and --target).
      - name: Start the service
        run: |
          npm start > service.log 2>&1 &
          for _ in $(seq 1 60); do curl -fsS http://127.0.0.1:8000/ -o /dev/null && break; sleep 1; done
      - name: Shakedown (contracts, scenarios, 5-minute soak)
        run: npx shakedown run --profile full --duration 5m --target http://127.0.0.1:8000
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: shakedown-pre-release
          path: reports/
          if-no-files-found: warn
          retention-days: 30

  nightly:
    name: Nightly against staging
    if: github.event_name != 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 60
    env:
      SHAKEDOWN_TARGET: \${{ secrets.SHAKEDOWN_TARGET }}
      SHAKEDOWN_LOAD_ALLOWED_HOSTS: \${{ secrets.SHAKEDOWN_LOAD_ALLOWED_HOSTS }}
      SHAKEDOWN_TOKEN: \${{ secrets.SHAKEDOWN_TOKEN }}
      WEBHOOK_SECRET: \${{ secrets.WEBHOOK_SECRET }}
    steps:
      - name: Staging is configured
        run: |
          if [ -z "$SHAKEDOWN_TARGET" ]; then
            echo "::error title=Nightly not configured::set the SHAKEDOWN_TARGET repository secret"
            exit 1
          fi
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: npm
      - run: npm ci --no-audit --no-fund
      - name: Shakedown (contracts, scenarios, 15-minute soak)
        run: npx shakedown run --profile full
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: shakedown-nightly
          path: reports/
          if-no-files-found: warn
          retention-days: 30
`;
}
