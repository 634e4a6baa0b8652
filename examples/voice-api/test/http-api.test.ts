import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, call, createSession, type InProcess, mintToken, nowSec, startInProcess } from './helpers.ts';
import { expectSpec } from './spec-check.ts';

const SESSION = '/v1/sessions/{id}';

describe('sessions', () => {
  let t: InProcess;
  beforeAll(async () => {
    t = await startInProcess();
  });

  it('creates a session (201, Location, defaults) and never returns callerRef', async () => {
    const res = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: await bearer(t.env),
      body: { language: 'de-CH', callerRef: 'crm-1' },
    });
    expect(res.status).toBe(201);
    const session = res.json();
    expect(session).toMatchObject({
      status: 'active',
      language: 'de-CH',
      agent: 'default',
      transcriptCount: 0,
    });
    expect(session.callerRef).toBeUndefined();
    expect(res.headers.location).toBe(`/v1/sessions/${session.id}`);
    await expectSpec('POST', '/v1/sessions', res);
    const empty = await call(t.url, '/v1/sessions', { method: 'POST', headers: await bearer(t.env) });
    expect(empty.json().language).toBe('en');
  });

  it.each([
    ['an invalid language', { language: 'not a tag!' }],
    ['an unknown field', { colour: 'red' }],
    ['a wrong type', { agent: 42 }],
    ['malformed JSON', '{"language":'],
  ])('rejects %s with 400 problem+json', async (_name, body) => {
    const headers = { ...(await bearer(t.env)), 'Content-Type': 'application/json' };
    const res = await call(t.url, '/v1/sessions', { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, requestId: res.headers['x-request-id'] });
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    await expectSpec('POST', '/v1/sessions', res);
  });

  it('gets, deletes (204, empty), then 404s', async () => {
    const { id } = await createSession(t.url, t.env, { callerRef: 'secret-ref' });
    const got = await call(t.url, `/v1/sessions/${id}`, { headers: await bearer(t.env) });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain('secret-ref');
    await expectSpec('GET', SESSION, got);
    const deleted = await call(t.url, `/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: await bearer(t.env),
    });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    await expectSpec('DELETE', SESSION, deleted);
    for (const method of ['GET', 'DELETE']) {
      const gone = await call(t.url, `/v1/sessions/${id}`, { method, headers: await bearer(t.env) });
      expect(gone.status).toBe(404);
      await expectSpec(method, SESSION, gone);
    }
  });

  it('answers 400 for an id that is not a uuid', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await call(t.url, '/v1/sessions/not-a-uuid', { method, headers: await bearer(t.env) });
      expect(res.status).toBe(400);
      await expectSpec(method, SESSION, res);
    }
  });

  it('accepts transcript chunks (202) and counts them', async () => {
    const { id } = await createSession(t.url, t.env);
    const path = `/v1/sessions/${id}/transcripts`;
    const res = await call(t.url, path, {
      method: 'POST',
      headers: await bearer(t.env),
      body: { seq: 0, text: 'hi' },
    });
    expect(res.status).toBe(202);
    expect(res.json().seq).toBe(0);
    await expectSpec('POST', '/v1/sessions/{id}/transcripts', res);
    const got = await call(t.url, `/v1/sessions/${id}`, { headers: await bearer(t.env) });
    expect(got.json().transcriptCount).toBe(1);
    const bad = await call(t.url, path, {
      method: 'POST',
      headers: await bearer(t.env),
      body: { seq: -1, text: '' },
    });
    expect(bad.status).toBe(400);
    await expectSpec('POST', '/v1/sessions/{id}/transcripts', bad);
    const missing = await call(t.url, `/v1/sessions/${randomUUID()}/transcripts`, {
      method: 'POST',
      headers: await bearer(t.env),
      body: { seq: 1, text: 'hi' },
    });
    expect(missing.status).toBe(404);
    await expectSpec('POST', '/v1/sessions/{id}/transcripts', missing);
  });

  it('mints a voice token (201) for a known session, 404 otherwise, 400 for a bad body', async () => {
    const { id } = await createSession(t.url, t.env);
    const headers = await bearer(t.env);
    const ok = await call(t.url, '/v1/voice/token', { method: 'POST', headers, body: { sessionId: id } });
    expect(ok.status).toBe(201);
    const expiresInSec = (Date.parse(ok.json().expiresAt) - Date.now()) / 1000;
    expect(expiresInSec).toBeGreaterThan(250);
    expect(expiresInSec).toBeLessThanOrEqual(300);
    await expectSpec('POST', '/v1/voice/token', ok);
    const unknown = await call(t.url, '/v1/voice/token', {
      method: 'POST',
      headers,
      body: { sessionId: randomUUID() },
    });
    expect(unknown.status).toBe(404);
    await expectSpec('POST', '/v1/voice/token', unknown);
    const bad = await call(t.url, '/v1/voice/token', { method: 'POST', headers, body: { sessionId: 'x' } });
    expect(bad.status).toBe(400);
    await expectSpec('POST', '/v1/voice/token', bad);
  });

  it('holds /v1/slow open for the requested time and bounds it', async () => {
    const started = Date.now();
    const res = await call(t.url, '/v1/slow?ms=150', { headers: await bearer(t.env) });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ sleptMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expectSpec('GET', '/v1/slow', res);
    const tooLong = await call(t.url, '/v1/slow?ms=30001', { headers: await bearer(t.env) });
    expect(tooLong.status).toBe(400);
    await expectSpec('GET', '/v1/slow', tooLong);
  });

  it('reports 0 applications for an unknown webhook event', async () => {
    const res = await call(t.url, '/v1/webhooks/events/evt_unknown', { headers: await bearer(t.env) });
    expect(res.json()).toEqual({ id: 'evt_unknown', applied: 0 });
    await expectSpec('GET', '/v1/webhooks/events/{id}', res);
  });
});

describe('authentication', () => {
  let t: InProcess;
  beforeAll(async () => {
    t = await startInProcess();
  });
  const protectedRoutes: [string, string, string][] = [
    ['POST', '/v1/sessions', '/v1/sessions'],
    ['GET', `/v1/sessions/${randomUUID()}`, SESSION],
    ['DELETE', `/v1/sessions/${randomUUID()}`, SESSION],
    ['POST', `/v1/sessions/${randomUUID()}/transcripts`, '/v1/sessions/{id}/transcripts'],
    ['POST', '/v1/voice/token', '/v1/voice/token'],
    ['GET', '/v1/webhooks/events/evt_1', '/v1/webhooks/events/{id}'],
    ['GET', '/v1/slow?ms=1', '/v1/slow'],
  ];
  const badTokens: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['another secret', () => mintToken('x'.repeat(8) + randomUUID(), { sub: 'a' })],
    ['an expired token', () => mintToken(t.env.JWT_SECRET!, { sub: 'a', expSec: nowSec() - 60 })],
    ['no sub', () => mintToken(t.env.JWT_SECRET!, { expSec: nowSec() + 60 })],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}.`,
    ],
    ['garbage', async () => 'not.a.jwt'],
  ];

  it.each(protectedRoutes)('%s %s needs a valid bearer token', async (method, path, template) => {
    for (const [name, makeToken] of badTokens) {
      const token = await makeToken();
      const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
      const res = await call(t.url, path, { method, headers, body: method === 'POST' ? {} : undefined });
      expect(res.status, name).toBe(401);
      expect(res.headers['www-authenticate'], name).toMatch(/^Bearer/);
      await expectSpec(method, template, res);
    }
  });

  it('accepts any token signed with JWT_SECRET that has a sub', async () => {
    const token = await mintToken(t.env.JWT_SECRET!, { sub: 'harness' });
    const res = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
  });
});

describe('probes, metrics, errors and headers', () => {
  let t: InProcess;
  beforeAll(async () => {
    t = await startInProcess({ CORS_ORIGINS: 'https://app.example.com,http://localhost:5173' });
  });

  it('serves /livez, /readyz and /metrics without auth', async () => {
    const live = await call(t.url, '/livez');
    expect(live.json()).toEqual({ status: 'ok' });
    await expectSpec('GET', '/livez', live);
    const ready = await call(t.url, '/readyz');
    expect(ready.status).toBe(200);
    await expectSpec('GET', '/readyz', ready);
    const metrics = await call(t.url, '/metrics');
    expect(metrics.status).toBe(200);
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'voice_api_open_sockets',
      'voice_api_active_sessions',
      'voice_api_http_requests_total',
    ]) {
      expect(metrics.text).toContain(`# TYPE ${name} `);
    }
    await expectSpec('GET', '/metrics', metrics);
  });

  it('counts active sessions', async () => {
    await createSession(t.url, t.env);
    const res = await call(t.url, '/metrics');
    expect(Number(/^voice_api_active_sessions (\d+)/m.exec(res.text)?.[1])).toBeGreaterThan(0);
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await call(t.url, '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: expect.stringMatching(/^https:/),
      title: 'Not Found',
      status: 404,
    });
  });

  it.each([
    ['PUT', '/v1/sessions', 'POST'],
    ['PATCH', `/v1/sessions/${randomUUID()}`, 'GET, DELETE, HEAD'],
    ['GET', `/v1/sessions/${randomUUID()}/transcripts`, 'POST'],
    ['GET', '/v1/voice/token', 'POST'],
    ['GET', '/v1/webhooks/payments', 'POST'],
    ['DELETE', '/v1/webhooks/events/evt_1', 'GET, HEAD'],
    ['POST', '/v1/slow', 'GET, HEAD'],
    ['POST', '/livez', 'GET, HEAD'],
    ['DELETE', '/readyz', 'GET, HEAD'],
    ['PUT', '/metrics', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const res = await call(t.url, path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json().status).toBe(405);
  });

  it('sends X-Request-Id on every response and echoes only a safe incoming one', async () => {
    for (const path of ['/livez', '/v1/nope', '/v1/sessions', '/metrics']) {
      expect((await call(t.url, path)).headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
    }
    const echoed = await call(t.url, '/livez', { headers: { 'X-Request-Id': 'trace-123.a_b' } });
    expect(echoed.headers['x-request-id']).toBe('trace-123.a_b');
    const replaced = await call(t.url, '/livez', { headers: { 'X-Request-Id': '<script>' } });
    expect(replaced.headers['x-request-id']).not.toBe('<script>');
  });

  it('sends helmet security headers and no X-Powered-By or Server version', async () => {
    const res = await call(t.url, '/v1/nope');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.server).toBeUndefined();
  });

  it('allows exactly the configured CORS origins, with credentials, and never reflects others', async () => {
    const allowed = await call(t.url, '/livez', { headers: { Origin: 'https://app.example.com' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers.vary).toMatch(/Origin/);
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      const res = await call(t.url, '/livez', { headers: { Origin: origin } });
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(res.headers['access-control-allow-credentials'], origin).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
    }
  });

  it('answers CORS preflight with 204', async () => {
    const preflight = (origin: string) =>
      call(t.url, '/v1/sessions', {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
    const ok = await preflight('http://localhost:5173');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    expect(ok.headers['access-control-allow-headers']).toContain('Authorization');
    const denied = await preflight('https://evil.example');
    expect(denied.status).toBe(204);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects bodies over the limit with 413 problem+json, chunked or not', async () => {
    const headers = { ...(await bearer(t.env)), 'Content-Type': 'application/json' };
    const big = JSON.stringify({ agent: 'a'.repeat(150 * 1024) });
    const sized = await call(t.url, '/v1/sessions', { method: 'POST', headers, body: big });
    expect(sized.status).toBe(413);
    await expectSpec('POST', '/v1/sessions', sized);
    const chunks = Array.from({ length: 15 }, () => Buffer.from('a'.repeat(10 * 1024)));
    const chunked = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers,
      body: [Buffer.from('{"agent":"'), ...chunks, Buffer.from('"}')],
    });
    expect(chunked.status).toBe(413);
    expect(chunked.json().status).toBe(413);
    // A mislabelled body is still read as JSON, so it cannot slip past the limit.
    const textPlain = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'text/plain' },
      body: big,
    });
    expect(textPlain.status).toBe(413);
  });
});

describe('every operation', () => {
  let t: InProcess;
  let sessionId: string;
  beforeAll(async () => {
    t = await startInProcess();
    sessionId = (await createSession(t.url, t.env)).id;
  });
  const operations = (): [string, string, string][] => [
    ['POST', '/v1/sessions', '/v1/sessions'],
    ['GET', `/v1/sessions/${sessionId}`, SESSION],
    ['DELETE', `/v1/sessions/${randomUUID()}`, SESSION],
    ['POST', `/v1/sessions/${sessionId}/transcripts`, '/v1/sessions/{id}/transcripts'],
    ['POST', '/v1/voice/token', '/v1/voice/token'],
    ['POST', '/v1/webhooks/payments', '/v1/webhooks/payments'],
    ['GET', '/v1/webhooks/events/evt_1', '/v1/webhooks/events/{id}'],
    ['GET', '/v1/slow?ms=1', '/v1/slow'],
    ['GET', '/livez', '/livez'],
    ['GET', '/readyz', '/readyz'],
    ['GET', '/metrics', '/metrics'],
  ];

  it('answers request headers over 16 KiB with 431 problem+json', async () => {
    for (const [method, path, template] of operations()) {
      const headers = { ...(await bearer(t.env)), 'X-Padding': 'p'.repeat(20 * 1024) };
      const res = await call(t.url, path, { method, headers });
      expect(res.status, `${method} ${path}`).toBe(431);
      await expectSpec(method, template, res);
    }
  });

  it('answers oversized bodies with 413 on every operation that takes one', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(101 * 1024) });
    for (const [method, path, template] of operations().filter(([method]) => method === 'POST')) {
      const res = await call(t.url, path, { method, headers: await bearer(t.env), body: big });
      expect(res.status, path).toBe(413);
      await expectSpec(method, template, res);
    }
  });

  it('answers an over-long webhook event id with 400', async () => {
    const res = await call(t.url, `/v1/webhooks/events/${'e'.repeat(256)}`, { headers: await bearer(t.env) });
    expect(res.status).toBe(400);
    await expectSpec('GET', '/v1/webhooks/events/{id}', res);
  });
});

describe('rate limits', () => {
  const limits = { RATE_LIMITS: 'sessions=3/60,token=2/60,transcripts=2/60' };

  it('limits POST /v1/sessions per IP with draft-8 headers and an integer Retry-After', async () => {
    const t = await startInProcess(limits);
    const headers = await bearer(t.env);
    const statuses: number[] = [];
    let last = await call(t.url, '/v1/sessions', { method: 'POST', headers, localAddress: '127.0.0.2' });
    expect(last.headers.ratelimit).toMatch(/^"sessions"; r=2; t=\d+$/);
    expect(last.headers['ratelimit-policy']).toMatch(/^"sessions"; q=3; w=60;/);
    for (let i = 0; i < 3; i += 1) {
      last = await call(t.url, '/v1/sessions', { method: 'POST', headers, localAddress: '127.0.0.2' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(last.headers['retry-after']).toMatch(/^\d+$/);
    expect(last.headers['content-type']).toMatch(/^application\/problem\+json/);
    await expectSpec('POST', '/v1/sessions', last);
    // Another source address has its own quota.
    const other = await call(t.url, '/v1/sessions', { method: 'POST', headers, localAddress: '127.0.0.3' });
    expect(other.status).toBe(201);
  });

  it('ignores X-Forwarded-For with TRUST_PROXY=0 and honours one hop with TRUST_PROXY=1', async () => {
    for (const [trustProxy, expected] of [
      ['0', 429],
      ['1', 201],
    ] as const) {
      const t = await startInProcess({ ...limits, TRUST_PROXY: trustProxy });
      const headers = await bearer(t.env);
      let status = 0;
      for (let i = 0; i < 4; i += 1) {
        const res = await call(t.url, '/v1/sessions', {
          method: 'POST',
          headers: { ...headers, 'X-Forwarded-For': `203.0.113.${i + 1}` },
        });
        status = res.status;
      }
      expect(status, `TRUST_PROXY=${trustProxy}`).toBe(expected);
    }
  });

  it('limits voice tokens and transcripts', async () => {
    const t = await startInProcess(limits);
    const headers = await bearer(t.env);
    const { id } = await createSession(t.url, t.env);
    const tokens = [];
    const transcripts = [];
    for (let i = 0; i < 3; i += 1) {
      tokens.push(await call(t.url, '/v1/voice/token', { method: 'POST', headers, body: { sessionId: id } }));
      transcripts.push(
        await call(t.url, `/v1/sessions/${id}/transcripts`, {
          method: 'POST',
          headers,
          body: { seq: i, text: 'x' },
        }),
      );
    }
    expect(tokens.map((res) => res.status)).toEqual([201, 201, 429]);
    expect(transcripts.map((res) => res.status)).toEqual([202, 202, 429]);
    await expectSpec('POST', '/v1/voice/token', tokens[2]);
    await expectSpec('POST', '/v1/sessions/{id}/transcripts', transcripts[2]);
  });

  it('never limits /livez, /readyz or /metrics', async () => {
    const t = await startInProcess({ RATE_LIMITS: 'sessions=1/60,token=1/60,transcripts=1/60' });
    for (let i = 0; i < 15; i += 1) {
      for (const path of ['/livez', '/readyz', '/metrics']) {
        const res = await call(t.url, path);
        expect(res.status, path).toBe(200);
        expect(res.headers.ratelimit).toBeUndefined();
      }
    }
  });
});
