import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacScheme, webhookSchemes } from '../../../src/scenario/webhook-schemes/index.ts';
import { standardWebhooksKey } from '../../../src/scenario/webhook-schemes/standard-webhooks.ts';
import { OVERSIZED_HEADER_BYTES, type WebhookScheme } from '../../../src/scenario/webhook-schemes/types.ts';

const { stripe, github, slack } = webhookSchemes;
const standard = webhookSchemes['standard-webhooks'];

// Stripe publishes no secret for the header example in its docs, so the vector is the fixture of its
// official .NET library (stripe-dotnet, src/StripeTests/Services/Events/EventUtilityTest.cs with
// Resources/event_test_signature.json): the signature Stripe's own verifier accepts.
const STRIPE_VECTOR = {
  secret: 'webhook_secret',
  timestampSec: 1533204620,
  body: `{
  "id": "evt_123",
  "object": "event",
  "account": "acct_123",
  "api_version": "2017-05-25",
  "created": 1533204620,
  "data": {
    "object": {
      "id": "cus_123",
      "object": "customer",
      "created": 123456789,
      "email": "test@stripe.com",
      "livemode": false,
      "metadata": {}
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {
    "id": "req_123",
    "idempotency_key": "idempotency-key-123"
  },
  "type": "customer.created"
}
`,
  v1: '2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7',
};

// The Standard Webhooks specification's published test vector (also in every reference library).
const STANDARD_VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampSec: 1614265330,
  body: '{"test": 2432232314}',
  header: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const sign = (
  scheme: WebhookScheme,
  v: { secret: string; body: string; timestampSec: number; id?: string },
) =>
  scheme.signature({
    secret: v.secret,
    body: Buffer.from(v.body),
    timestampSec: v.timestampSec,
    id: v.id ?? 'x',
  });

describe('published test vectors', () => {
  it("stripe: reproduces the signature of Stripe's official library fixture", () => {
    const signature = sign(stripe, STRIPE_VECTOR);
    expect(signature).toBe(STRIPE_VECTOR.v1);
    const headers = stripe.headers({
      id: 'evt_123',
      timestampSec: 1533204620,
      signatures: [signature],
      eventType: 't',
    });
    expect(headers).toEqual({ 'stripe-signature': `t=1533204620,v1=${STRIPE_VECTOR.v1}` });
  });

  it('standard-webhooks: reproduces the specification test vector', () => {
    const signature = sign(standard, STANDARD_VECTOR);
    const headers = standard.headers({
      id: STANDARD_VECTOR.id,
      timestampSec: STANDARD_VECTOR.timestampSec,
      signatures: [signature],
      eventType: 't',
    });
    expect(headers).toEqual({
      'webhook-id': STANDARD_VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': STANDARD_VECTOR.header,
    });
  });

  it('standard-webhooks: the whsec_ prefix is optional, as in the reference libraries', () => {
    expect(standardWebhooksKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual(
      standardWebhooksKey(STANDARD_VECTOR.secret),
    );
  });

  it("github: reproduces the example in GitHub's webhook validation docs", () => {
    const signature = sign(github, {
      secret: "It's a Secret to Everybody",
      body: 'Hello, World!',
      timestampSec: 0,
    });
    expect(
      github.headers({ id: 'd-1', timestampSec: 0, signatures: [signature], eventType: 'push' }),
    ).toEqual({
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-delivery': 'd-1',
      'x-github-event': 'push',
    });
  });

  it("slack: reproduces the example in Slack's request verification docs", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const signature = sign(slack, {
      secret: '8f742231b10e8888abcd99yyyzzz85a5',
      body,
      timestampSec: 1531420618,
    });
    expect(
      slack.headers({ id: 'x', timestampSec: 1531420618, signatures: [signature], eventType: 't' }),
    ).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });
});

describe('hmacScheme', () => {
  it('described as Stripe, signs exactly like the stripe scheme', () => {
    const described = hmacScheme({
      header: 'X-Signature',
      template: '{timestamp}.{body}',
      timestampHeader: 'X-Timestamp',
    });
    expect(sign(described, STRIPE_VECTOR)).toBe(STRIPE_VECTOR.v1);
    expect(described.timestamped).toBe(true);
    expect(described.headers({ id: 'i', timestampSec: 5, signatures: ['abc'], eventType: 't' })).toEqual({
      'x-signature': 'abc',
      'x-timestamp': '5',
    });
  });

  it('supports other algorithms, encodings, prefixes, ids and key encodings', () => {
    const scheme = hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      template: '{id}:{timestamp}:{body}',
      timestampHeader: 'X-Ts',
      idHeader: 'X-Id',
      secretEncoding: 'hex',
    });
    const expected = createHmac('sha512', Buffer.from('00ff', 'hex')).update('evt:7:hello').digest('base64');
    expect(sign(scheme, { secret: '00ff', body: 'hello', timestampSec: 7, id: 'evt' })).toBe(expected);
    expect(scheme.headers({ id: 'evt', timestampSec: 7, signatures: [expected], eventType: 't' })).toEqual({
      'x-sig': `sha512=${expected}`,
      'x-ts': '7',
      'x-id': 'evt',
    });
  });

  it('refuses a template that signs a timestamp it has no header for', () => {
    expect(() => hmacScheme({ header: 'X-Sig', template: '{timestamp}.{body}' })).toThrow(/timestampHeader/);
    expect(() => hmacScheme({ header: 'X-Sig', template: 'no body' })).toThrow(/template/);
  });
});

describe('negative deliveries every scheme offers', () => {
  const schemes: WebhookScheme[] = [
    stripe,
    standard,
    github,
    slack,
    hmacScheme({
      header: 'X-Sig',
      encoding: 'base64',
      template: '{timestamp}.{body}',
      timestampHeader: 'X-Ts',
    }),
  ];

  it.each(schemes.map((s) => [s.name, s] as const))(
    '%s: malformed variants differ from the valid headers',
    (_n, scheme) => {
      const body = Buffer.from('{"id":"evt_1"}');
      const valid = { id: 'evt_1', timestampSec: 1_700_000_000, eventType: 't' };
      const signature = scheme.signature({ secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0', body, ...valid });
      const headers = scheme.headers({ ...valid, signatures: [signature] });
      const variants = scheme.malformed({ ...valid, signatures: [signature] });
      expect(variants.length).toBeGreaterThanOrEqual(5);
      expect(new Set(variants.map((v) => v.name)).size).toBe(variants.length);
      for (const variant of variants) {
        const changed = Object.entries(variant.headers).some(([name, value]) => headers[name] !== value);
        expect(changed, variant.name).toBe(true);
      }
      // The oversized header is past Node's 16 KiB default, so parsers that buffer headers see it too.
      expect(
        variants.some((v) =>
          Object.values(v.headers).some((h) => (h?.length ?? 0) >= OVERSIZED_HEADER_BYTES),
        ),
      ).toBe(true);
    },
  );

  it.each(schemes.map((s) => [s.name, s] as const))(
    '%s: otherSecret keeps the shape, changes the value',
    (_n, scheme) => {
      const secret = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0';
      const other = scheme.otherSecret(secret);
      expect(other).not.toBe(secret);
      const body = Buffer.from('{}');
      const input = { body, timestampSec: 1, id: 'i' };
      expect(scheme.signature({ ...input, secret: other })).not.toBe(scheme.signature({ ...input, secret }));
    },
  );

  it('stripe: the v0 downgrade carries the valid signature under v0 only', () => {
    expect(stripe.downgraded?.({ id: 'e', timestampSec: 9, signatures: ['abc'], eventType: 't' })).toEqual({
      'stripe-signature': 't=9,v0=abc',
    });
    expect(github.downgraded).toBeUndefined();
  });

  it('rotation: stripe and standard-webhooks carry several signatures in order', () => {
    const input = { id: 'm', timestampSec: 9, signatures: ['a', 'b'], eventType: 't' };
    expect(stripe.headers(input)['stripe-signature']).toBe('t=9,v1=a,v1=b');
    expect(standard.headers(input)['webhook-signature']).toBe('v1,a v1,b');
  });
});
