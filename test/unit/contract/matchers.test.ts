import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createVoiceApi, type VoiceApi } from '../../../examples/voice-api/src/app.ts';
import { mintHs256Token } from '../../../src/http/jwt.ts';
import { useApiSpec } from '../../../src/vitest.ts';

useApiSpec('contracts/voice-api.openapi.yaml');

const started: VoiceApi[] = [];
afterAll(async () => {
  await Promise.all(started.map((api) => api.shutdown('test-end')));
});

/** The reference app in-process (no listening, no Redis), with a bearer token for it. */
async function voiceApi(faults: string[] = []) {
  const env = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
    LOG_LEVEL: 'silent',
    SHUTDOWN_DRAIN_MS: '0',
    VOICE_API_FAULTS: faults.join(','),
  };
  const api = createVoiceApi(env);
  const auth = `Bearer ${await mintHs256Token(env.JWT_SECRET)}`;
  return { api, app: api.app, auth };
}

describe('toSatisfyApiSpec with supertest', () => {
  it('passes for the healthy app across statuses, media types and headers', async () => {
    const { app, auth } = await voiceApi();
    const created = await request(app)
      .post('/v1/sessions')
      .set('Authorization', auth)
      .send({ language: 'en-US', callerRef: 'crm-1' });
    expect(created.status).toBe(201);
    expect(created).toSatisfyApiSpec();
    const id = created.body.id as string;
    expect(await request(app).get(`/v1/sessions/${id}`).set('Authorization', auth)).toSatisfyApiSpec();
    expect(
      await request(app).get(`/v1/sessions/${randomUUID()}`).set('Authorization', auth),
    ).toSatisfyApiSpec();
    expect(await request(app).get(`/v1/sessions/${id}`)).toSatisfyApiSpec();
    expect(
      await request(app).post('/v1/sessions').set('Authorization', auth).send({ language: 7 }),
    ).toSatisfyApiSpec();
    expect(await request(app).get('/metrics')).toSatisfyApiSpec();
    const deleted = await request(app).delete(`/v1/sessions/${id}`).set('Authorization', auth);
    expect(deleted.status).toBe(204);
    expect(deleted).toSatisfyApiSpec();
  });

  it('takes the operation by operationId or METHOD /path when asked', async () => {
    const { app } = await voiceApi();
    const live = await request(app).get('/livez');
    expect(live).toSatisfyApiSpec('livez');
    expect(live).toSatisfyApiSpec('GET /livez');
    expect(() => expect(live).toSatisfyApiSpec('readyz')).toThrow(
      /readyz\) → 200:\n {2}response-schema: \/status: must be "ready", got "ok"/,
    );
  });

  it('fails on contract-drift with the path, the problem and the spec line', async () => {
    const { app, auth } = await voiceApi(['contract-drift']);
    const { body } = await request(app).post('/v1/sessions').set('Authorization', auth).send({});
    const drifted = await request(app).get(`/v1/sessions/${body.id}`).set('Authorization', auth);
    expect(drifted).not.toSatisfyApiSpec();
    expect(() => expect(drifted).toSatisfyApiSpec()).toThrow(
      /GET \/v1\/sessions\/\{id\} \(getSession\) → 200:\n {2}response-schema: \/status: is required but missing \(required, contracts\/voice-api\.openapi\.yaml:\d+\)\n {2}response-schema: \/createdAt: must be string, got integer \d+ \(type, contracts\/voice-api\.openapi\.yaml:\d+\)/,
    );
  });

  it('fails on contract-writeonly-leak and contract-undocumented-status', async () => {
    const { app, auth } = await voiceApi(['contract-writeonly-leak', 'contract-undocumented-status']);
    const leaked = await request(app)
      .post('/v1/sessions')
      .set('Authorization', auth)
      .send({ callerRef: 'crm-4711' });
    expect(() => expect(leaked).toSatisfyApiSpec()).toThrow(
      /response-schema: \/callerRef: is writeOnly in the spec and must not appear in a response/,
    );
    const crashed = await request(app).delete(`/v1/sessions/${randomUUID()}`).set('Authorization', auth);
    expect(() => expect(crashed).toSatisfyApiSpec()).toThrow(
      /status-documented: status 500 is not documented \(documented: 204, 400, 401, 404, 431, 503\)/,
    );
  });

  it('says when no operation matches, and when it is given something else', async () => {
    const { app } = await voiceApi();
    const unknown = await request(app).get('/v2/nothing');
    expect(() => expect(unknown).toSatisfyApiSpec()).toThrow(
      /GET \/v2\/nothing → 404: no operation of contracts\/voice-api\.openapi\.yaml matches/,
    );
    await expect(expect({ status: 200 }).toSatisfyApiSpec()).rejects.toThrow(
      /expects a supertest response or a fetch Response/,
    );
  });
});

describe('toSatisfyApiSpec with fetch', () => {
  it('validates a real fetch Response (awaited) and leaves its body readable', async () => {
    const { api, auth } = await voiceApi();
    started.push(api);
    const { url } = await api.start(0, '127.0.0.1');
    const created = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{}',
    });
    await expect(created).toSatisfyApiSpec();
    const { id } = (await created.json()) as { id: string };
    // fetch Responses do not carry the method: GET and DELETE share the path, the one that fits wins.
    await expect(
      await fetch(`${url}/v1/sessions/${id}`, { headers: { authorization: auth } }),
    ).toSatisfyApiSpec();
    const drifted = new Response(
      JSON.stringify({ id, language: 'en', agent: 'a', createdAt: 1, transcriptCount: 0 }),
      {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
      },
    );
    await expect(expect(drifted).toSatisfyApiSpec('getSession')).rejects.toThrow(
      /\/createdAt: must be string, got integer 1/,
    );
  });
});
