import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHAKEDOWN_IMPORT } from '../helpers/cli.ts';
import { runScenario, scenarioProject, scenarioSource, verdicts } from './scenario-matrix.ts';

/**
 * A second, deliberately different target for what the reference service (express-rate-limit,
 * draft-8 headers, its bugs planted in examples/voice-api: see scenarios-rate-limit.e2e.test.ts)
 * cannot show: a limiter keyed on an API key (`scope: 'key'`); the draft-7, draft-6 and legacy
 * header forms; a Retry-After that lies with no RateLimit headers beside it, which only
 * `rate-limit.reset` can catch; remaining that never decreases; and several routes under one check
 * id. A real HTTP process on loopback, started by the local stack like any target.
 */
const LIMITER_TARGET = `import { createServer } from 'node:http';

const LIMIT = Number(process.env.LIMIT);
const WINDOW_SEC = Number(process.env.WINDOW_SEC);
const windows = new Map();

createServer((req, res) => {
  if (req.url === '/livez' || req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  // /keyed: one counter per X-Api-Key. The others per client address: /legacy with X-RateLimit-*
  // headers, /lying with a Retry-After that lies, /inconsistent with headers that contradict themselves.
  const byAddress = ['/legacy', '/lying', '/inconsistent'].includes(req.url)
    ? req.url + req.socket.remoteAddress
    : undefined;
  const key = req.url === '/keyed' ? req.headers['x-api-key'] : byAddress;
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
  window.count++;
  const remaining = Math.max(0, LIMIT - window.count);
  const resetSec = Math.ceil((window.resetAtMs - now) / 1000);
  const headers = {
    '/keyed': { ratelimit: \`limit=\${LIMIT}, remaining=\${remaining}, reset=\${resetSec}\`, 'ratelimit-policy': \`\${LIMIT};w=\${WINDOW_SEC}\` },
    '/legacy': {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.ceil(window.resetAtMs / 1000)),
    },
    '/lying': {},
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

  it('three routes, one result per check: a lying Retry-After fails reset, contradicting draft-6 headers fail headers, legacy headers pass', async () => {
    const dir = limiterProject(
      scenarioSource(
        'rateLimitScenario',
        `{
  routes: [
    { method: 'POST', path: '/legacy', limit: 4, windowSec: 6 },
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
    // X-RateLimit-Reset is a Unix time here, measured against the Date header.
    expect(headers.message).toMatch(/^POST \/legacy: legacy headers on all 5 responses: quota 4/m);
    expect(headers.message).toMatch(/^POST \/lying: none of .* responses carries RateLimit/m);
    expect(headers.message).toMatch(
      /^POST \/inconsistent: .*advertised quota is 40.*remaining did not decrease/m,
    );
    const reset = run.checks.find((c) => c.id === 'rate-limit.reset')!;
    expect(reset.message).toMatch(/^POST \/legacy: Retry-After said \d s; \d s later .* got 201 again/m);
    expect(reset.message).toMatch(/^POST \/lying: Retry-After said 1 s, yet 2 s later .* still got 429/m);
    expect(reset.message).toMatch(
      /^POST \/inconsistent: Retry-After said \d s; \d s later .* got 201 again/m,
    );
  }, 90_000);
});
