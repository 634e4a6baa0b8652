import { beforeAll, describe, expect, it } from 'vitest';
import { computeSignature } from '../src/webhooks.ts';
import {
  bearer,
  type CallResult,
  call,
  type InProcess,
  nowSec,
  startInProcess,
  stripeSignature,
  webhookEvent,
} from './helpers.ts';
import { expectSpec } from './spec-check.ts';

const WEBHOOK = '/v1/webhooks/payments';

describe('POST /v1/webhooks/payments', () => {
  let t: InProcess;
  let secret: string;
  beforeAll(async () => {
    t = await startInProcess();
    secret = t.env.WEBHOOK_SECRET!;
  });
  const deliver = (body: string | Buffer, signature: string | undefined, contentType = 'application/json') =>
    call(t.url, WEBHOOK, {
      method: 'POST',
      headers: {
        'Content-Type': contentType,
        ...(signature === undefined ? {} : { 'Stripe-Signature': signature }),
      },
      body,
    });
  const applied = async (id: string) =>
    (await call(t.url, `/v1/webhooks/events/${id}`, { headers: await bearer(t.env) })).json().applied;
  async function expectRejected(res: CallResult, body: string, timestampSec = nowSec()) {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.text).not.toContain(computeSignature(secret, timestampSec, body));
    await expectSpec('POST', WEBHOOK, res);
  }

  it('applies a valid event once and acknowledges replays as duplicates', async () => {
    const { id, body } = webhookEvent();
    const first = await deliver(body, stripeSignature(secret, body));
    expect(first.status).toBe(200);
    expect(first.json()).toEqual({ received: true, duplicate: false });
    await expectSpec('POST', WEBHOOK, first);
    const replay = await deliver(body, stripeSignature(secret, body));
    expect(replay.json()).toEqual({ received: true, duplicate: true });
    // A retry is signed again with a fresh timestamp; still the same event.
    const retry = await deliver(body, stripeSignature(secret, body, nowSec() - 30));
    expect(retry.json()).toEqual({ received: true, duplicate: true });
    expect(await applied(id)).toBe(1);
  });

  it('applies concurrent duplicates exactly once', async () => {
    const { id, body } = webhookEvent();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => deliver(body, stripeSignature(secret, body))),
    );
    expect(results.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(results.filter((res) => res.json().duplicate === false)).toHaveLength(1);
    expect(await applied(id)).toBe(1);
  });

  it('accepts timestamps within 300 s either way and rejects stale and future ones', async () => {
    for (const offsetSec of [-290, 290]) {
      const { body } = webhookEvent();
      const res = await deliver(body, stripeSignature(secret, body, nowSec() + offsetSec));
      expect(res.status, `offset ${offsetSec}`).toBe(200);
    }
    for (const offsetSec of [-301, 301, -86_400]) {
      const { id, body } = webhookEvent();
      const timestampSec = nowSec() + offsetSec;
      await expectRejected(
        await deliver(body, stripeSignature(secret, body, timestampSec)),
        body,
        timestampSec,
      );
      expect(await applied(id)).toBe(0);
    }
  });

  it('rejects a tampered body, another secret, and v0-only signatures', async () => {
    const { id, body } = webhookEvent();
    const tampered = body.replace('2000', '1');
    await expectRejected(await deliver(tampered, stripeSignature(secret, body)), tampered);
    await expectRejected(await deliver(body, stripeSignature(`${secret}x`, body)), body);
    const v0 = `t=${nowSec()},v0=${computeSignature(secret, nowSec(), body)}`;
    await expectRejected(await deliver(body, v0), body);
    expect(await applied(id)).toBe(0);
  });

  it('accepts any matching v1 among several and ignores v0', async () => {
    const t0 = nowSec();
    const wrong = 'a'.repeat(64);
    for (const order of ['wrong-first', 'right-first']) {
      const { body } = webhookEvent();
      const right = computeSignature(secret, t0, body);
      const header =
        order === 'wrong-first'
          ? `t=${t0},v0=${wrong},v1=${wrong},v1=${right}`
          : `t=${t0},v1=${right},v1=${wrong}`;
      expect((await deliver(body, header)).status, order).toBe(200);
    }
  });

  it('verifies the raw bytes, whatever the formatting or content type', async () => {
    const pretty = JSON.stringify(
      { type: 'charge.refunded', id: `evt_pretty_${Date.now()}`, data: { a: 'é' } },
      null,
      2,
    );
    expect((await deliver(pretty, stripeSignature(secret, pretty))).status).toBe(200);
    const { body } = webhookEvent();
    expect((await deliver(body, stripeSignature(secret, body), 'text/plain')).status).toBe(200);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'garbage'],
    ['non-numeric t', 't=abc,v1=abcd'],
    ['no t', `v1=${'a'.repeat(64)}`],
    ['no v1', `t=${nowSec()}`],
    ['two t', `t=${nowSec()},t=${nowSec()},v1=${'a'.repeat(64)}`],
    ['only commas', ',,,'],
    ['empty v1', `t=${nowSec()},v1=`],
    ['non-hex v1', `t=${nowSec()},v1=${'z'.repeat(64)}`],
    ['huge t', `t=${'9'.repeat(400)},v1=${'a'.repeat(64)}`],
    ['8 KiB of v1', `t=${nowSec()},${Array.from({ length: 120 }, () => `v1=${'b'.repeat(64)}`).join(',')}`],
  ])('answers a %s header with 400, never 5xx', async (_name, header) => {
    const { body } = webhookEvent();
    await expectRejected(await deliver(body, header), body);
  });

  it('answers a 64 KiB header with a 4xx', async () => {
    const { body } = webhookEvent();
    const res = await deliver(body, `t=${nowSec()},v1=${'c'.repeat(64 * 1024)}`);
    expect(res.status).toBe(431);
    await expectSpec('POST', WEBHOOK, res);
  });

  it('rejects a signed but invalid event with 400 and an oversized body with 413', async () => {
    for (const body of [
      'not json',
      JSON.stringify({ type: 'x', data: {} }),
      JSON.stringify({ id: 'e', type: 'x' }),
    ]) {
      await expectRejected(await deliver(body, stripeSignature(secret, body)), body);
    }
    const huge = JSON.stringify({ id: 'evt_huge', type: 'x', data: { pad: 'p'.repeat(120 * 1024) } });
    const res = await deliver(huge, stripeSignature(secret, huge));
    expect(res.status).toBe(413);
    await expectSpec('POST', WEBHOOK, res);
  });
});
