import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHAKEDOWN_IMPORT } from '../helpers/cli.ts';
import { runScenario, scenarioProject, scenarioSource, verdicts } from './scenario-matrix.ts';

/**
 * A second, deliberately different target for what the reference service cannot show: bugs it does
 * not plant (a limiter keyed globally, the bug `rate-limit.per-client` exists for; a counter updated
 * non-atomically, for `rate-limit.concurrent`; a Retry-After that lies, for `rate-limit.reset`;
 * headers that contradict themselves, for `rate-limit.headers`),
 * a limiter keyed on an API key (`scope: 'key'`), and the draft-7 and legacy header forms. A real
 * HTTP process on loopback, started by the local stack like any target.
 */
const LIMITER_TARGET = `import { createServer } from 'node:http';

const LIMIT = Number(process.env.LIMIT);
const WINDOW_SEC = Number(process.env.WINDOW_SEC);
const windows = new Map();

createServer(async (req, res) => {
  if (req.url === '/livez' || req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  // /global: one counter for everybody (the bug). /keyed: one counter per X-Api-Key. /lying and
  // /inconsistent: per client address, with a Retry-After that lies and headers that contradict themselves.
  // /racy: reads the counter, awaits, then writes it back: concurrent requests all see the same count.
  const byAddress = ['/lying', '/inconsistent', '/racy'].includes(req.url)
    ? req.url + req.socket.remoteAddress
    : undefined;
  const key = req.url === '/global' ? 'everyone' : req.url === '/keyed' ? req.headers['x-api-key'] : byAddress;
  if (req.method !== 'POST' || !key) {
    res.writeHead(404).end();
    return;
  }
  const now = Date.now();
  let window = windows.get(key);
  if (!window || window.resetAtMs <= now) {
    window = { count: 0, resetAtMs: now + WINDOW_SEC * 1000 };
    windows.set(key, window);
  }
  if (req.url === '/racy') {
    const seen = window.count;
    await new Promise((resolve) => setTimeout(resolve, 50));
    window.count = seen + 1;
  } else window.count++;
  const remaining = Math.max(0, LIMIT - window.count);
  const resetSec = Math.ceil((window.resetAtMs - now) / 1000);
  const headers = {
    '/keyed': { ratelimit: \`limit=\${LIMIT}, remaining=\${remaining}, reset=\${resetSec}\`, 'ratelimit-policy': \`\${LIMIT};w=\${WINDOW_SEC}\` },
    '/global': {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.ceil(window.resetAtMs / 1000)),
    },
    '/lying': {},
    '/racy': {},
    '/inconsistent': {
      'ratelimit-limit': String(LIMIT * 10),
      'ratelimit-remaining': String(LIMIT - 1),
      'ratelimit-reset': String(resetSec),
    },
  }[req.url];
  const retryAfterSec = req.url === '/lying' ? 1 : resetSec;
  if (window.count > LIMIT) {
    res.writeHead(429, { ...headers, 'retry-after': String(retryAfterSec), 'content-type': 'application/json' });
    res.end('{"error":"too many requests"}');
    return;
  }
  res.writeHead(201, { ...headers, 'content-type': 'application/json' }).end('{"ok":true}');
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function limiterProject(route: string): string {
  const config = `import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

export default defineConfig({
  stack: { kind: 'local', command: ['node', 'limiter-target.mjs'], env: { LIMIT: '4', WINDOW_SEC: '6' } },
  scenarios: { dir: 'scenarios' },
  profile: 'quick',
  reporters: ['console', 'json'],
});
`;
  const dir = scenarioProject({ name: 'rate-limit', source: route, config });
  writeFileSync(path.join(dir, 'limiter-target.mjs'), LIMITER_TARGET);
  return dir;
}

describe('rate-limit scenario against a purpose-built limiter', () => {
  it('a limiter keyed globally fails rate-limit.per-client, and only that', async () => {
    const dir = limiterProject(
      scenarioSource(
        'rateLimitScenario',
        "{ routes: [{ method: 'POST', path: '/global', limit: 4, windowSec: 6 }], healthPaths: ['/livez'], maxWaitSec: 15 }",
      ),
    );
    const run = await runScenario(dir, 'rate-limit');
    const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(run.cli.code, report).toBe(1);
    expect(verdicts(run)['rate-limit.per-client'], report).toBe('fail');
    expect(
      run.checks.filter((c) => c.verdict === 'fail').map((c) => c.id),
      report,
    ).toEqual(['rate-limit.per-client']);
    // The legacy headers (reset as a Unix timestamp) were read.
    expect(verdicts(run)['rate-limit.headers'], report).toBe('pass');
  }, 90_000);

  it("scope 'key': fresh keys give fresh quotas, draft-7 headers are read, every check passes", async () => {
    const dir = limiterProject(
      `import { randomUUID } from 'node:crypto';
${scenarioSource(
  'rateLimitScenario',
  `{
  routes: [{ method: 'POST', path: '/keyed', limit: 4, windowSec: 6, scope: 'key' }],
  healthPaths: ['/livez', '/readyz'],
  freshKey: () => ({ 'x-api-key': randomUUID() }),
  maxWaitSec: 15,
}`,
)}`,
    );
    const run = await runScenario(dir, 'rate-limit');
    const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(run.cli.code, report).toBe(0);
    expect(Object.values(verdicts(run)), report).toEqual(Array(8).fill('pass'));
    expect(run.checks.find((c) => c.id === 'rate-limit.headers')?.message).toContain('draft-7');
    expect(run.checks.find((c) => c.id === 'rate-limit.per-client')?.message).toContain('quotas are per key');
    // API keys are credentials: they never reach the run's output.
    const keyed = JSON.stringify(run.summary);
    expect(keyed).not.toMatch(/x-api-key":"[0-9a-f-]{36}"/);
  }, 90_000);

  it('a limiter that reads, awaits, then writes its counter fails rate-limit.concurrent, and only that', async () => {
    const dir = limiterProject(
      scenarioSource(
        'rateLimitScenario',
        "{ routes: [{ method: 'POST', path: '/racy', limit: 4, windowSec: 6 }], healthPaths: ['/livez'], maxWaitSec: 15 }",
      ),
    );
    const run = await runScenario(dir, 'rate-limit');
    const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(run.cli.code, report).toBe(1);
    expect(
      run.checks.filter((c) => c.verdict === 'fail').map((c) => c.id),
      report,
    ).toEqual(['rate-limit.concurrent']);
    expect(run.checks.find((c) => c.id === 'rate-limit.concurrent')?.message).toContain(
      'does not hold under concurrency',
    );
  }, 90_000);

  it('a Retry-After that lies fails rate-limit.reset; contradicting headers fail rate-limit.headers', async () => {
    const dir = limiterProject(
      scenarioSource(
        'rateLimitScenario',
        `{
  routes: [
    { method: 'POST', path: '/lying', limit: 4, windowSec: 6 },
    { method: 'POST', path: '/inconsistent', limit: 4, windowSec: 6 },
  ],
  healthPaths: ['/livez'],
  maxWaitSec: 15,
}`,
      ),
    );
    const run = await runScenario(dir, 'rate-limit');
    const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(run.cli.code, report).toBe(1);
    expect(
      run.checks.filter((c) => c.verdict === 'fail').map((c) => c.id),
      report,
    ).toEqual(['rate-limit.headers', 'rate-limit.reset']);
    // One result per check id, naming each route: the worst verdict wins.
    const headers = run.checks.find((c) => c.id === 'rate-limit.headers')!;
    expect(headers.message).toMatch(/^POST \/lying: none of .* responses carries RateLimit/m);
    expect(headers.message).toMatch(
      /^POST \/inconsistent: .*advertised quota is 40.*remaining did not decrease/m,
    );
    const reset = run.checks.find((c) => c.id === 'rate-limit.reset')!;
    expect(reset.message).toMatch(/^POST \/lying: Retry-After said 1 s, yet 2 s later .* still got 429/m);
    expect(reset.message).toMatch(
      /^POST \/inconsistent: Retry-After said \d s; \d s later .* got 201 again/m,
    );
  }, 90_000);
});
