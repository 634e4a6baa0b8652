import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  createSession,
  freePort,
  redisOrSkip,
  startInProcess,
  startRedis,
  stripeSignature,
  waitFor,
  webhookEvent,
} from './helpers.ts';
import { expectSpec } from './spec-check.ts';

const ready = async (url: string) => (await call(url, '/readyz')).status === 200;

/** Two replicas on one Redis, sharing secrets as a real deployment would. */
async function twoReplicas(extra: Record<string, string> = {}) {
  const redis = await startRedis();
  const shared = {
    REDIS_URL: redis.url,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
    RATE_LIMITS: 'sessions=3/60',
    ...extra,
  };
  const a = await startInProcess(shared);
  const b = await startInProcess(shared);
  await waitFor(async () => (await ready(a.url)) && (await ready(b.url)));
  return { redis, a, b };
}

describe.runIf(redisOrSkip('examples/voice-api/test/redis.test.ts'))('with Redis (REDIS_URL)', () => {
  it('shares the rate limit across replicas', async () => {
    const { a, b } = await twoReplicas();
    const headers = await bearer(a.env);
    const post = (url: string) => call(url, '/v1/sessions', { method: 'POST', headers });
    const statuses = [(await post(a.url)).status, (await post(b.url)).status, (await post(a.url)).status];
    expect(statuses).toEqual([201, 201, 201]);
    const limited = await post(b.url);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('shares sessions and webhook de-duplication across replicas', async () => {
    const { a, b } = await twoReplicas();
    const headers = await bearer(a.env);
    const { id } = await createSession(a.url, a.env);
    const fromB = await call(b.url, `/v1/sessions/${id}`, { headers });
    expect(fromB.status).toBe(200);
    await expectSpec('GET', '/v1/sessions/{id}', fromB);
    expect(
      (await call(b.url, '/v1/voice/token', { method: 'POST', headers, body: { sessionId: id } })).status,
    ).toBe(201);
    const event = webhookEvent();
    const deliver = (url: string) =>
      call(url, '/v1/webhooks/payments', {
        method: 'POST',
        headers: { 'Stripe-Signature': stripeSignature(a.env.WEBHOOK_SECRET!, event.body) },
        body: event.body,
      });
    const results = await Promise.all([deliver(a.url), deliver(b.url), deliver(a.url), deliver(b.url)]);
    expect(results.filter((res) => res.json().duplicate === false)).toHaveLength(1);
    const applied = await call(b.url, `/v1/webhooks/events/${event.id}`, { headers });
    expect(applied.json().applied).toBe(1);
  });

  it('reports 503 while Redis is unreachable and recovers when it is back', async () => {
    const { redis, a } = await twoReplicas();
    const headers = await bearer(a.env);
    const { id: sessionId } = await createSession(a.url, a.env);
    await redis.stop();
    await waitFor(async () => (await call(a.url, '/readyz')).status === 503);
    const readyz = await call(a.url, '/readyz');
    expect(readyz.json().detail).toBe('redis is unavailable');
    await expectSpec('GET', '/readyz', readyz);
    expect((await call(a.url, '/livez')).status).toBe(200);
    const event = webhookEvent();
    const redisBacked: [string, string, string, object][] = [
      ['POST', '/v1/sessions', '/v1/sessions', { headers }],
      ['GET', `/v1/sessions/${sessionId}`, '/v1/sessions/{id}', { headers }],
      ['DELETE', `/v1/sessions/${sessionId}`, '/v1/sessions/{id}', { headers }],
      [
        'POST',
        `/v1/sessions/${sessionId}/transcripts`,
        '/v1/sessions/{id}/transcripts',
        { headers, body: { seq: 0, text: 'x' } },
      ],
      ['POST', '/v1/voice/token', '/v1/voice/token', { headers, body: { sessionId } }],
      [
        'POST',
        '/v1/webhooks/payments',
        '/v1/webhooks/payments',
        {
          headers: { 'Stripe-Signature': stripeSignature(a.env.WEBHOOK_SECRET!, event.body) },
          body: event.body,
        },
      ],
      ['GET', `/v1/webhooks/events/${event.id}`, '/v1/webhooks/events/{id}', { headers }],
    ];
    for (const [method, path, template, options] of redisBacked) {
      const res = await call(a.url, path, { method, ...options });
      expect(res.status, `${method} ${path}`).toBe(503);
      await expectSpec(method, template, res);
    }
    await startRedis(redis.port);
    await waitFor(() => ready(a.url), 8000);
    expect((await call(a.url, '/v1/sessions', { method: 'POST', headers })).status).toBe(201);
  });

  it('is not ready while Redis has never been reachable', async () => {
    const t = await startInProcess({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const res = await call(t.url, '/readyz');
    expect(res.status).toBe(503);
    expect((await call(t.url, '/livez')).status).toBe(200);
  });
});
