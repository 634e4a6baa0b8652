import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FaultName } from '../src/faults.ts';
import { computeSignature } from '../src/webhooks.ts';
import {
  bearer,
  type CallResult,
  call,
  createSession,
  freePort,
  type InProcess,
  metricValue,
  nowSec,
  openVoiceSession,
  redisOrSkip,
  sendChunk,
  spawnVoiceApi,
  startInProcess,
  startRedis,
  stripeSignature,
  waitFor,
  webhookEvent,
} from './helpers.ts';
import { specViolations } from './spec-check.ts';

// Each planted fault must really misbehave, or the Shakedown check that should catch it proves nothing.
const withFault = (fault: FaultName, env: Record<string, string> = {}) =>
  startInProcess({ VOICE_API_FAULTS: fault, ...env });

const postSessions = async (
  t: InProcess,
  times: number,
  headers: (i: number) => Record<string, string> = () => ({}),
  localAddress?: string,
) => {
  const auth = await bearer(t.env);
  const statuses: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const res = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: { ...auth, ...headers(i) },
      localAddress,
    });
    statuses.push(res.status);
  }
  return statuses;
};

const deliver = (t: InProcess, body: string, signature: string | undefined) =>
  call(t.url, '/v1/webhooks/payments', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(signature ? { 'Stripe-Signature': signature } : {}) },
    body,
  });

const applied = async (t: InProcess, id: string) =>
  (await call(t.url, `/v1/webhooks/events/${id}`, { headers: await bearer(t.env) })).json().applied;

describe('rate-limit faults', () => {
  const limits = { RATE_LIMITS: 'sessions=2/60' };

  it('rate-limit-off: POST /v1/sessions is never limited', async () => {
    expect(await postSessions(await withFault('rate-limit-off', limits), 5)).toEqual([
      201, 201, 201, 201, 201,
    ]);
  });

  it('rate-limit-xff: every new X-Forwarded-For gets a fresh quota', async () => {
    const t = await withFault('rate-limit-xff', limits);
    const statuses = await postSessions(t, 5, (i) => ({ 'X-Forwarded-For': `198.51.100.${i}` }));
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
  });

  it('rate-limit-no-retry-after: 429 comes without Retry-After', async () => {
    const t = await withFault('rate-limit-no-retry-after', limits);
    await postSessions(t, 2);
    const res = await call(t.url, '/v1/sessions', { method: 'POST', headers: await bearer(t.env) });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(await specViolations('POST', '/v1/sessions', res)).toContain(
      'required header Retry-After is missing',
    );
  });

  it('rate-limit-health: /livez and /readyz are counted and blocked', async () => {
    const t = await withFault('rate-limit-health', limits);
    const statuses: number[] = [];
    for (const path of ['/livez', '/readyz', '/livez', '/readyz'])
      statuses.push((await call(t.url, path)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('rate-limit-global-key: one client using up the quota locks every other client out', async () => {
    const t = await withFault('rate-limit-global-key', limits);
    expect(await postSessions(t, 3, undefined, '127.0.0.2')).toEqual([201, 201, 429]);
    expect(await postSessions(t, 1, undefined, '127.0.0.3')).toEqual([429]);
  });

  it('rate-limit-race: a concurrent burst gets past the limit, sequential requests do not', async () => {
    const t = await withFault('rate-limit-race', limits);
    const headers = await bearer(t.env);
    const burst = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(t.url, '/v1/sessions', { method: 'POST', headers, localAddress: '127.0.0.2' }),
      ),
    );
    expect(burst.filter((res) => res.status === 201).length).toBeGreaterThan(2);
    expect(await postSessions(t, 3, undefined, '127.0.0.3')).toEqual([201, 201, 429]);
  });

  it('rate-limit-short-retry-after: Retry-After says 1 s, the quota stays used up', async () => {
    const t = await withFault('rate-limit-short-retry-after', limits);
    await postSessions(t, 2);
    const res = await call(t.url, '/v1/sessions', { method: 'POST', headers: await bearer(t.env) });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(Number(/\bt=(\d+)/.exec(String(res.headers.ratelimit))?.[1])).toBeGreaterThan(30);
    await sleep(1500);
    expect(await postSessions(t, 1)).toEqual([429]);
  });

  it('rate-limit-inconsistent-headers: RateLimit-Policy announces the token quota', async () => {
    const t = await withFault('rate-limit-inconsistent-headers', limits);
    const auth = await bearer(t.env);
    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await call(t.url, '/v1/sessions', { method: 'POST', headers: auth }));
    expect(answers.map((res) => res.status)).toEqual([201, 201, 429]);
    // The default token limiter is 20 per 900 s; the sessions limiter counts down from 2.
    expect(answers.map((res) => res.headers['ratelimit-policy'])).toEqual(
      Array(3).fill('"sessions"; q=20; w=900'),
    );
    expect(answers.map((res) => /\br=(\d+)/.exec(String(res.headers.ratelimit))?.[1])).toEqual([
      '1',
      '0',
      '0',
    ]);
  });

  it.runIf(redisOrSkip('rate-limit-memory-store in examples/voice-api/test/faults.test.ts'))(
    'rate-limit-memory-store: replicas on one Redis each keep their own quota',
    async () => {
      const redis = await startRedis();
      const shared = {
        ...limits,
        REDIS_URL: redis.url,
        VOICE_API_FAULTS: 'rate-limit-memory-store',
        JWT_SECRET: randomBytes(32).toString('base64url'),
      };
      const a = await startInProcess(shared);
      const b = await startInProcess(shared);
      await waitFor(
        async () =>
          (await call(a.url, '/readyz')).status === 200 && (await call(b.url, '/readyz')).status === 200,
      );
      expect([...(await postSessions(a, 2)), ...(await postSessions(b, 2))]).toEqual([201, 201, 201, 201]);
    },
  );
});

describe('webhook faults', () => {
  it('webhook-no-dedupe: replays and concurrent duplicates are applied again', async () => {
    const t = await withFault('webhook-no-dedupe');
    const secret = t.env.WEBHOOK_SECRET!;
    const { id, body } = webhookEvent();
    expect((await deliver(t, body, stripeSignature(secret, body))).json().duplicate).toBe(false);
    expect((await deliver(t, body, stripeSignature(secret, body))).json().duplicate).toBe(false);
    await Promise.all(Array.from({ length: 5 }, () => deliver(t, body, stripeSignature(secret, body))));
    expect(await applied(t, id)).toBe(7);
  });

  it('webhook-stale-ok: an hour-old (or future) timestamp is accepted', async () => {
    const t = await withFault('webhook-stale-ok');
    for (const offsetSec of [-3600, 3600]) {
      const { body } = webhookEvent();
      const signature = stripeSignature(
        t.env.WEBHOOK_SECRET!,
        body,
        Math.floor(Date.now() / 1000) + offsetSec,
      );
      expect((await deliver(t, body, signature)).status).toBe(200);
    }
  });

  it('webhook-reserialize: a correctly signed but pretty-printed payload is rejected', async () => {
    const t = await withFault('webhook-reserialize');
    const pretty = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'charge.refunded', data: {} }, null, 2);
    const res = await deliver(t, pretty, stripeSignature(t.env.WEBHOOK_SECRET!, pretty));
    expect(res.status).toBe(400);
  });

  it('webhook-500-on-malformed: a malformed signature header crashes the handler', async () => {
    const t = await withFault('webhook-500-on-malformed');
    const { body } = webhookEvent();
    for (const header of [undefined, 'garbage', 't=abc', `t=${Math.floor(Date.now() / 1000)}`]) {
      const res = await deliver(t, body, header);
      expect(res.status, String(header)).toBe(500);
      expect(res.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
      expect(res.text).not.toMatch(/TypeError|at .*\.ts/);
    }
  });
});

describe('webhook signature faults', () => {
  type Delivery = { body: string; signature: string };
  const signed = (secret: string, timestampSec = nowSec()): Delivery => {
    const { body } = webhookEvent();
    return { body, signature: stripeSignature(secret, body, timestampSec) };
  };
  const hmac = (secret: string, body: string, timestampSec = nowSec()) =>
    computeSignature(secret, timestampSec, body);
  const bogus = () => randomBytes(32).toString('hex');
  const signedAt = (signature: string) => Number(/t=(\d+)/.exec(signature)![1]);
  const tampered = (secret: string): Delivery => {
    const { body, signature } = signed(secret);
    return { body: body.replace('2000', '9000'), signature };
  };
  const ROWS: Array<{
    fault: FaultName;
    what: string;
    delivery: (secret: string) => Delivery;
    status: number;
    healthy: number;
    also?: (res: CallResult, secret: string, delivery: Delivery) => void;
  }> = [
    {
      fault: 'webhook-no-verify',
      what: 'a body changed after signing is accepted',
      delivery: tampered,
      status: 200,
      healthy: 400,
    },
    {
      fault: 'webhook-no-verify',
      what: 'any well-formed v1 is accepted',
      delivery: (secret) => ({ ...signed(secret), signature: `t=${nowSec()},v1=${bogus()}` }),
      status: 200,
      healthy: 400,
    },
    {
      fault: 'webhook-first-signature-only',
      what: 'a valid signature after a bogus one is refused',
      delivery: (secret) => {
        const { body } = webhookEvent();
        return { body, signature: `t=${nowSec()},v1=${bogus()},v1=${hmac(secret, body)}` };
      },
      status: 400,
      healthy: 200,
    },
    {
      fault: 'webhook-echo-signature',
      what: 'the refusal of a tampered body carries the signature it expected',
      delivery: tampered,
      status: 400,
      healthy: 400,
      also: (res, secret, { body, signature }) => {
        expect(res.text).toContain(hmac(secret, body, signedAt(signature)));
      },
    },
    {
      fault: 'webhook-accept-v0',
      what: 'a v0-only signature is accepted',
      delivery: (secret) => {
        const { body } = webhookEvent();
        return { body, signature: `t=${nowSec()},v0=${hmac(secret, body)}` };
      },
      status: 200,
      healthy: 400,
    },
    {
      fault: 'webhook-short-tolerance',
      what: 'a delivery signed 60 s ago is refused',
      delivery: (secret) => signed(secret, nowSec() - 60),
      status: 400,
      healthy: 200,
    },
    {
      fault: 'webhook-reject-all',
      what: 'a correctly signed delivery is refused',
      delivery: (secret) => signed(secret),
      status: 400,
      healthy: 200,
    },
  ];

  it.each(ROWS.map((row) => [`${row.fault}: ${row.what}`, row] as const))('%s', async (_name, row) => {
    for (const [t, status] of [
      [await withFault(row.fault), row.status],
      [await startInProcess(), row.healthy],
    ] as const) {
      const secret = t.env.WEBHOOK_SECRET!;
      const delivery = row.delivery(secret);
      const res = await deliver(t, delivery.body, delivery.signature);
      expect(res.status, res.text).toBe(status);
      if (t.env.VOICE_API_FAULTS) row.also?.(res, secret, delivery);
      else expect(res.text).not.toContain(hmac(secret, delivery.body, signedAt(delivery.signature)));
    }
  });
});

describe('contract faults', () => {
  it('contract-drift: GET returns createdAt as a number and drops status', async () => {
    const t = await withFault('contract-drift');
    const { id } = await createSession(t.url, t.env);
    const res = await call(t.url, `/v1/sessions/${id}`, { headers: await bearer(t.env) });
    expect(typeof res.json().createdAt).toBe('number');
    expect(res.json().status).toBeUndefined();
    expect((await specViolations('GET', '/v1/sessions/{id}', res)).length).toBeGreaterThan(0);
  });

  it('contract-undocumented-status: DELETE of a missing session is a 500', async () => {
    const t = await withFault('contract-undocumented-status');
    const res = await call(t.url, `/v1/sessions/${randomUUID()}`, {
      method: 'DELETE',
      headers: await bearer(t.env),
    });
    expect(res.status).toBe(500);
    expect(await specViolations('DELETE', '/v1/sessions/{id}', res)).toEqual([
      'status 500 is not documented for DELETE /v1/sessions/{id}',
    ]);
  });

  it('contract-writeonly-leak: session responses include callerRef', async () => {
    const t = await withFault('contract-writeonly-leak');
    const created = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: await bearer(t.env),
      body: { callerRef: 'crm-42' },
    });
    expect(created.json().callerRef).toBe('crm-42');
    expect(await specViolations('POST', '/v1/sessions', created)).toEqual([
      'body /callerRef is writeOnly and must not be in a response',
    ]);
    const got = await call(t.url, `/v1/sessions/${created.json().id}`, { headers: await bearer(t.env) });
    expect(got.json().callerRef).toBe('crm-42');
  });

  it('auth-off: GET /v1/sessions/{id} works without a token', async () => {
    const t = await withFault('auth-off');
    const { id } = await createSession(t.url, t.env);
    expect((await call(t.url, `/v1/sessions/${id}`)).status).toBe(200);
    expect((await call(t.url, `/v1/sessions/${randomUUID()}`)).status).toBe(404);
  });

  // Each request runs against the fault and against the healthy service, so the row shows the difference.
  const ROWS: {
    fault: FaultName;
    what: string;
    /** Sends the request that shows the fault; `id` is a session created just before. */
    send: (t: InProcess, id: string) => Promise<CallResult>;
    status: number;
    healthy: number;
    /** What the spec check finds with the fault on (the healthy answer must have nothing). */
    spec?: { operation: [method: string, path: string]; faulty: string[] };
    also?: (res: CallResult, id: string) => void;
  }[] = [
    {
      fault: 'contract-wrong-content-type',
      what: 'GET /v1/sessions/{id} labels its JSON text/html',
      send: async (t, id) => call(t.url, `/v1/sessions/${id}`, { headers: await bearer(t.env) }),
      status: 200,
      healthy: 200,
      spec: {
        operation: ['GET', '/v1/sessions/{id}'],
        faulty: ['content type text/html is not one of application/json'],
      },
      also: (res, id) => expect(res.json().id).toBe(id),
    },
    {
      fault: 'contract-missing-header',
      what: 'POST /v1/sessions answers 201 without Location',
      send: async (t) =>
        call(t.url, '/v1/sessions', { method: 'POST', headers: await bearer(t.env), body: {} }),
      status: 201,
      healthy: 201,
      spec: { operation: ['POST', '/v1/sessions'], faulty: ['required header Location is missing'] },
    },
    {
      fault: 'contract-broken-link',
      what: 'the id POST /v1/sessions returns leads nowhere',
      send: async (t) => {
        const headers = await bearer(t.env);
        const created = await call(t.url, '/v1/sessions', { method: 'POST', headers, body: {} });
        expect(created.status).toBe(201);
        expect(created.headers.location).toMatch(/^\/v1\/sessions\//);
        return call(t.url, `/v1/sessions/${created.json().id}`, { headers });
      },
      status: 404,
      healthy: 200,
    },
    {
      fault: 'contract-method-fallthrough',
      what: 'PATCH /v1/sessions/{id} is answered like GET',
      send: async (t, id) =>
        call(t.url, `/v1/sessions/${id}`, { method: 'PATCH', headers: await bearer(t.env), body: {} }),
      status: 200,
      healthy: 405,
      also: (res, id) => {
        expect(res.json().id).toBe(id);
        expect(res.headers.allow).toBeUndefined();
      },
    },
    ...[
      { language: 12345 },
      { language: 'x'.repeat(36) },
      { agent: '' },
      { language: 'en', surprise: true },
    ].map((body) => ({
      fault: 'contract-no-validation' as const,
      what: `POST /v1/sessions accepts ${JSON.stringify(body).slice(0, 40)}`,
      send: async (t: InProcess) =>
        call(t.url, '/v1/sessions', { method: 'POST', headers: await bearer(t.env), body }),
      status: 201,
      healthy: 400,
      also: (res: CallResult) => expect(res.json()).toMatchObject({ language: 'en', agent: 'default' }),
    })),
  ];

  it.each(ROWS.map((row) => [`${row.fault}: ${row.what}`, row] as const))('%s', async (_name, row) => {
    for (const [t, status] of [
      [await withFault(row.fault), row.status],
      [await startInProcess(), row.healthy],
    ] as const) {
      const { id } = await createSession(t.url, t.env);
      const res = await row.send(t, id);
      expect(res.status, res.text).toBe(status);
      const faulty = Boolean(t.env.VOICE_API_FAULTS);
      if (row.spec) {
        const [method, path] = row.spec.operation;
        expect(await specViolations(method, path, res)).toEqual(faulty ? row.spec.faulty : []);
      }
      if (faulty) row.also?.(res, id);
    }
  });
});

describe('hardening faults', () => {
  it('headers-off: no helmet headers, X-Powered-By present', async () => {
    const res = await call((await withFault('headers-off')).url, '/livez');
    expect(res.headers['x-powered-by']).toBe('Express');
    for (const header of ['strict-transport-security', 'x-content-type-options', 'x-frame-options']) {
      expect(res.headers[header], header).toBeUndefined();
    }
  });

  it('cors-reflect: any origin is reflected with credentials', async () => {
    const res = await call((await withFault('cors-reflect')).url, '/livez', {
      headers: { Origin: 'https://evil.example' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('https://evil.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('cors-no-vary: an allowed origin is answered without Vary: Origin', async () => {
    const origin = 'https://app.example.test';
    const res = await call((await withFault('cors-no-vary', { CORS_ORIGINS: origin })).url, '/livez', {
      headers: { Origin: origin },
    });
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers.vary ?? '').not.toMatch(/origin/i);
  });

  it('health-auth: /livez wants a bearer token', async () => {
    const t = await withFault('health-auth');
    expect((await call(t.url, '/livez')).status).toBe(401);
    expect((await call(t.url, '/livez', { headers: await bearer(t.env) })).status).toBe(200);
    expect((await call(t.url, '/readyz')).status).toBe(200);
  });

  it('health-leak: /readyz shows the configuration, secrets and Redis password included', async () => {
    const t = await withFault('health-leak');
    const ready = await call(t.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.text).toContain(t.env.JWT_SECRET);
    expect(ready.text).toContain(t.env.WEBHOOK_SECRET);
    // Nothing listens there: the 503 answer still carries the URL, password and all.
    const redisUrl = `redis://default:pw-${randomUUID()}@127.0.0.1:${await freePort()}`;
    const notReady = await call((await withFault('health-leak', { REDIS_URL: redisUrl })).url, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json().config.redisUrl).toBe(redisUrl);
  });

  it('body-limit-off: a 1 MB body is read instead of refused with 413', async () => {
    const t = await withFault('body-limit-off');
    const big = JSON.stringify({ agent: 'a'.repeat(1024 * 1024) });
    const session = await call(t.url, '/v1/sessions', {
      method: 'POST',
      headers: await bearer(t.env),
      body: big,
    });
    expect(session.status).toBe(400);
    const event = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type: 'x',
      data: { pad: 'p'.repeat(1024 * 1024) },
    });
    expect((await deliver(t, event, stripeSignature(t.env.WEBHOOK_SECRET!, event))).status).toBe(200);
  });
});

describe('dependency faults', () => {
  it.runIf(redisOrSkip('readiness-ignores-redis in examples/voice-api/test/faults.test.ts'))(
    'readiness-ignores-redis: /readyz stays 200 while Redis is down',
    async () => {
      const redis = await startRedis();
      const t = await withFault('readiness-ignores-redis', { REDIS_URL: redis.url });
      const headers = await bearer(t.env);
      await waitFor(
        async () => (await call(t.url, '/v1/sessions', { method: 'POST', headers })).status === 201,
      );
      await redis.stop();
      // Once the client has noticed, every Redis-backed route answers 503, yet the probe says ready.
      await waitFor(
        async () => (await call(t.url, '/v1/sessions', { method: 'POST', headers })).status === 503,
      );
      expect(t.api.readiness()).toEqual({ ready: true });
      const ready = await call(t.url, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
    },
  );
});

describe('soak faults', () => {
  it('soak-leak: memory grows with every transcript chunk', async () => {
    const target = await spawnVoiceApi({ VOICE_API_FAULTS: 'soak-leak' });
    const { sessionId, socket } = await openVoiceSession(target.url, target.env);
    const before = await metricValue(target.url, 'process_resident_memory_bytes');
    await Promise.all(Array.from({ length: 300 }, (_, seq) => sendChunk(socket, sessionId, seq, 5000)));
    const after = await metricValue(target.url, 'process_resident_memory_bytes');
    // 300 chunks × 64 KiB ≈ 19.7 MB retained.
    expect(after - before).toBeGreaterThan(15 * 1024 * 1024);
  });

  it('soak-drift: ack latency grows with the number of chunks handled', async () => {
    const rtts = async (t: InProcess) => {
      const { sessionId, socket } = await openVoiceSession(t.url, t.env);
      await Promise.all(Array.from({ length: 1000 }, (_, seq) => sendChunk(socket, sessionId, seq, 5000)));
      const samples: number[] = [];
      for (let seq = 1000; seq < 1005; seq += 1) {
        const sentAt = performance.now();
        await sendChunk(socket, sessionId, seq);
        samples.push(performance.now() - sentAt);
      }
      return Math.min(...samples);
    };
    expect(await rtts(await withFault('soak-drift'))).toBeGreaterThan(40);
    expect(await rtts(await startInProcess())).toBeLessThan(40);
  });

  it('soak-drop: one ack in 200 is never sent', async () => {
    const t = await withFault('soak-drop');
    const { sessionId, socket } = await openVoiceSession(t.url, t.env);
    const results = await Promise.allSettled(
      Array.from({ length: 400 }, (_, seq) => sendChunk(socket, sessionId, seq, 1500)),
    );
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(2);
  });

  it('soak-drop: sockets are dropped periodically (transport close)', async () => {
    const t = await withFault('soak-drop', { FAULT_DROP_SOCKETS_EVERY_MS: '200' });
    const { socket } = await openVoiceSession(t.url, t.env);
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('transport close');
  });

  it.each([
    {
      name: 'soak-session-cap',
      env: { VOICE_API_FAULTS: 'soak-session-cap', FAULT_SESSION_CAP: '2' },
      third: 'unavailable',
    },
    { name: 'healthy', env: {}, third: 'connected' },
  ])(
    '$name: a third open /voice socket is $third; once a caller hangs up, the next one gets in',
    async ({ env, third }) => {
      const t = await startInProcess(env);
      const connect = () =>
        openVoiceSession(t.url, t.env).then(
          ({ socket }) => ({ socket, outcome: 'connected' }),
          (error: Error) => ({ socket: undefined, outcome: error.message }),
        );
      const first = await connect();
      const second = await connect();
      expect([first.outcome, second.outcome, (await connect()).outcome]).toEqual([
        'connected',
        'connected',
        third,
      ]);
      const open = await metricValue(t.url, 'voice_api_open_sockets');
      first.socket!.disconnect();
      await waitFor(async () => (await metricValue(t.url, 'voice_api_open_sockets')) === open - 1);
      expect((await connect()).outcome).toBe('connected');
    },
  );

  it('soak-stall: the event loop stops for about a second', async () => {
    // One stall, 2 s after start, is enough to see; a shorter period would burn a core that the other
    // test files need.
    const target = await spawnVoiceApi({ VOICE_API_FAULTS: 'soak-stall', FAULT_STALL_EVERY_MS: '2000' });
    let worstMs = 0;
    const until = Date.now() + 2600;
    while (Date.now() < until) {
      const sentAt = performance.now();
      await call(target.url, '/livez');
      worstMs = Math.max(worstMs, performance.now() - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(worstMs).toBeGreaterThan(700);
  });
});

describe('process faults', () => {
  const slow = (url: string, headers: Record<string, string>, ms: number): Promise<CallResult | Error> =>
    call(url, `/v1/slow?ms=${ms}`, { headers }).catch((err: Error) => err);

  it('shutdown-abrupt: SIGTERM exits at once and drops the in-flight request', async () => {
    const target = await spawnVoiceApi({ VOICE_API_FAULTS: 'shutdown-abrupt', SHUTDOWN_DRAIN_MS: '500' });
    const inFlight = slow(target.url, await bearer(target.env), 1500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    target.child.kill('SIGTERM');
    expect((await target.exited).code).toBe(0);
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it('shutdown-no-readiness: /readyz stays 200 while draining', async () => {
    const target = await spawnVoiceApi({
      VOICE_API_FAULTS: 'shutdown-no-readiness',
      SHUTDOWN_DRAIN_MS: '800',
    });
    target.child.kill('SIGTERM');
    await waitFor(() => target.output().includes('shutdown started'));
    expect((await call(target.url, '/readyz')).status).toBe(200);
    expect((await target.exited).code).toBe(0);
  });

  it('shutdown-hang: the process outlives its deadline and has to be killed', async () => {
    const target = await spawnVoiceApi({
      VOICE_API_FAULTS: 'shutdown-hang',
      SHUTDOWN_DRAIN_MS: '100',
      SHUTDOWN_DEADLINE_MS: '500',
    });
    await openVoiceSession(target.url, target.env);
    target.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(target.child.exitCode).toBeNull();
    target.child.kill('SIGKILL');
    expect((await target.exited).signal).toBe('SIGKILL');
  });

  it('shutdown-accept-hang: after the drain a new connection is accepted and never answered', async () => {
    const target = await spawnVoiceApi({
      VOICE_API_FAULTS: 'shutdown-accept-hang',
      SHUTDOWN_DRAIN_MS: '200',
    });
    const inFlight = slow(target.url, await bearer(target.env), 1000);
    await sleep(100);
    target.child.kill('SIGTERM');
    await waitFor(() => target.output().includes('"msg":"drain over'), 8000);
    const late = hangingGet(target.url, '/livez');
    expect(await inFlight).toMatchObject({ status: 200 });
    await sleep(500);
    expect(late.state).toEqual({ connected: true, answered: false });
    expect(target.child.exitCode, 'the unanswered request holds the exit').toBeNull();
    late.abandon();
    expect((await target.exited).code).toBe(0);
  });

  it('shutdown-second-signal-exit: a second SIGTERM during the drain exits and cuts in-flight work', async () => {
    const target = await spawnVoiceApi({
      VOICE_API_FAULTS: 'shutdown-second-signal-exit',
      SHUTDOWN_DRAIN_MS: '1000',
    });
    const inFlight = slow(target.url, await bearer(target.env), 1500);
    await sleep(100);
    target.child.kill('SIGTERM');
    await waitFor(() => target.output().includes('"msg":"shutdown started'));
    // The first signal starts the normal drain.
    expect((await call(target.url, '/readyz')).status).toBe(503);
    target.child.kill('SIGTERM');
    expect((await target.exited).code).toBe(1);
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it('secret-placeholder-ok: JWT_SECRET=changeme is accepted', async () => {
    const target = await spawnVoiceApi({
      VOICE_API_FAULTS: 'secret-placeholder-ok',
      JWT_SECRET: 'changeme',
      WEBHOOK_SECRET: 'whsec_changeme',
    });
    expect((await call(target.url, '/readyz')).status).toBe(200);
  });
});

/** A GET that records whether its connection was accepted and whether any answer came. */
function hangingGet(url: string, path: string) {
  const state = { connected: false, answered: false };
  const req = request(new URL(path, url), { agent: false }, (res) => {
    state.answered = true;
    res.resume();
  });
  req.on('socket', (socket) =>
    socket.once('connect', () => {
      state.connected = true;
    }),
  );
  req.on('error', () => {});
  req.end();
  return { state, abandon: () => req.destroy() };
}

describe('load faults', () => {
  const slowCalls = async (t: InProcess, count: number, ms: number) => {
    const auth = await bearer(t.env);
    return Promise.all(
      Array.from({ length: count }, () => call(t.url, `/v1/slow?ms=${ms}`, { headers: auth })),
    );
  };

  it('load-overload-503: requests past the concurrency cap get an undocumented 503', async () => {
    const t = await withFault('load-overload-503', { FAULT_LOAD_CONCURRENCY: '2' });
    const answers = await slowCalls(t, 6, 200);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 503, 503, 503, 503]);
    const refused = answers.find((r) => r.status === 503)!;
    expect(await specViolations('GET', '/v1/slow', refused)).toEqual([
      'status 503 is not documented for GET /v1/slow',
    ]);
    expect((await slowCalls(t, 1, 0))[0].status).toBe(200);
  });

  it('load-latency-leak: each request waits longer than the one before', async () => {
    const t = await withFault('load-latency-leak');
    const auth = await bearer(t.env);
    for (let i = 0; i < 200; i += 1) await call(t.url, '/v1/slow?ms=0', { headers: auth });
    const sentAt = performance.now();
    await call(t.url, '/v1/slow?ms=0', { headers: auth });
    // The 201st request waits 20.1 ms before it is handled.
    expect(performance.now() - sentAt).toBeGreaterThan(20);
  });

  it('load-stall: for one second in every period no request is answered', async () => {
    const t = await withFault('load-stall', { FAULT_STALL_EVERY_MS: '1500' });
    const auth = await bearer(t.env);
    let worstMs = 0;
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      const sentAt = performance.now();
      await call(t.url, '/v1/slow?ms=0', { headers: auth });
      worstMs = Math.max(worstMs, performance.now() - sentAt);
      await sleep(20);
    }
    expect(worstMs).toBeGreaterThan(700);
    // Not a busy wait: the process still answers routes outside /v1 during the stall.
    expect((await call(t.url, '/livez')).status).toBe(200);
  });
});
