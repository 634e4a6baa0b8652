import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import { compactBody, nonCanonicalBody, tamperedBody } from './bodies.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, mustAccept, mustRefuse, statusOf, unlessAllRefused } from './verdicts.ts';

const VERIFY_FIX =
  'Recompute the HMAC over the raw body with your secret and compare it in constant time with every signature of the version you support; refuse the delivery when none matches.';

export const tamperedRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.tampered-rejected',
  title: 'A body changed after signing is refused',
  verifies: 'A delivery with one body byte changed after it was signed is refused with a 4xx.',
  failsWhen:
    'It is accepted, because the signature is not checked against the body (anyone can alter a delivery in flight), or it gets a 5xx.',
  fix: VERIFY_FIX,
  severity: 'blocking',
  proof: { faults: ['webhook-no-verify'] },
});

export const wrongSecretRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.wrong-secret-rejected',
  title: 'A signature made with another secret is refused',
  verifies: 'A well-formed delivery signed with another secret of the same shape is refused with a 4xx.',
  failsWhen:
    'It is accepted, because signatures are not really verified (only their format, say), so anyone can send events; or it gets a 5xx.',
  fix: VERIFY_FIX,
  severity: 'blocking',
  proof: { faults: ['webhook-no-verify'] },
});

export const v0OnlyRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.v0-only-rejected',
  title: 'A v0-only Stripe signature is refused',
  verifies:
    'A Stripe delivery whose only signature is labelled v0 (the test-mode scheme) is refused with a 4xx, even though the HMAC is right. Skipped for other schemes.',
  failsWhen:
    'It is accepted (any signature version is trusted, so a downgrade gets through) or it gets a 5xx.',
  fix: 'Read only the v1 signatures of the Stripe-Signature header and ignore every other label.',
  severity: 'blocking',
  proof: { faults: ['webhook-accept-v0'] },
});

export const rotationCheck = defineCheck(import.meta.url, {
  id: 'webhook.rotation',
  title: 'A bogus signature beside the valid one is accepted',
  verifies:
    'A delivery carrying two signatures, as during a secret rotation, is accepted whichever of them is the valid one. Skipped for schemes with one signature per delivery.',
  failsWhen:
    'It is refused when the valid signature is not the first one: deliveries signed during a secret rotation are lost.',
  fix: 'Compare every signature in the header and accept the delivery when any of them matches.',
  severity: 'blocking',
  proof: { faults: ['webhook-first-signature-only'] },
});

export const rawBodyCheck = defineCheck(import.meta.url, {
  id: 'webhook.raw-body',
  title: 'The signature is verified over the raw body bytes',
  verifies:
    'A correctly signed delivery with pretty-printed, reordered JSON, \\u escapes and a trailing newline is accepted like a compact one.',
  failsWhen:
    'It is refused while compact JSON is accepted: the signature is checked over a re-serialised body, so deliveries formatted differently are lost.',
  fix: 'Keep the raw request bytes for the webhook route (express.raw(), Fastify’s rawBody, your framework’s raw-body option) and verify the signature over them before parsing.',
  severity: 'blocking',
  proof: { faults: ['webhook-reserialize'] },
});

/** One body byte changed after signing. */
export async function tamperedRejected({ sender }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const event = sender.event();
  const signed = sender.signed('a tampered body', event);
  const delivery = { ...signed, body: tamperedBody(signed.body, event) };
  return mustRefuse(
    c,
    await sender.post(delivery),
    'a delivery with one body byte changed after signing',
    'the signature is not checked against the body, so anyone can alter a delivery in flight',
  );
}

/** Well-formed, signed with a secret of the same shape. */
export async function wrongSecretRejected(
  { sender, scheme }: WebhookRun,
  c: CheckContext,
): Promise<CheckOutcome> {
  const event = sender.event();
  const body = compactBody(event);
  const timestampSec = nowSec();
  const forged = sender.signature(event, body, timestampSec, scheme.otherSecret(sender.secret));
  const delivery = sender.signed('a signature made with another secret', event, {
    body,
    timestampSec,
    signatures: [forged],
  });
  return mustRefuse(
    c,
    await sender.post(delivery),
    'a delivery signed with another secret',
    'signatures are not verified, so anyone can send events',
  );
}

/** Stripe only: the valid HMAC under the test-mode `v0` label only. */
export async function v0OnlyRejected({ sender, scheme }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!scheme.downgraded) return c.skip(`only Stripe signatures have a v0 scheme; ${scheme.name} has none`);
  const delivery = sender.signed('a v0-only signature', sender.event());
  const headers = scheme.downgraded({
    id: delivery.event.id,
    timestampSec: delivery.timestampSec,
    signatures: [sender.signature(delivery.event, delivery.body, delivery.timestampSec)],
    eventType: delivery.event.type,
  });
  return mustRefuse(
    c,
    await sender.post({ ...delivery, headers }),
    'a delivery signed only under v0',
    'any signature version is trusted, so a downgrade to an unverified scheme gets through',
  );
}

/**
 * While a secret is rolled, deliveries carry one signature per secret, and the
 * receiver knows only one of them. A bogus signature next to the valid one, in either order, must
 * be accepted.
 */
export async function rotation({ sender, scheme }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!scheme.multipleSignatures)
    return c.skip(`the ${scheme.name} scheme carries one signature per delivery`);
  const other = scheme.otherSecret(sender.secret);
  const outcomes: CheckOutcome[] = [];
  for (const order of ['bogus first', 'valid first'] as const) {
    const event = sender.event();
    const body = compactBody(event);
    const timestampSec = nowSec();
    const valid = sender.signature(event, body, timestampSec);
    const bogus = sender.signature(event, body, timestampSec, other);
    const signatures = order === 'bogus first' ? [bogus, valid] : [valid, bogus];
    const delivery = sender.signed(`rotation, ${order}`, event, { body, timestampSec, signatures });
    const exchange = await sender.post(delivery);
    const skipped = await unlessAllRefused(c, sender, exchange);
    if (skipped) return skipped;
    const outcome = mustAccept(
      c,
      exchange,
      `two signatures, ${order}`,
      'deliveries signed during a secret rotation are lost',
    );
    if (outcome.verdict !== 'pass') return outcome;
    outcomes.push(outcome);
  }
  return c.pass(outcomes.map((o) => o.message).join('; '), outcomes.at(-1)?.evidence);
}

/**
 * Correctly signed bytes that no serializer would produce. A receiver that
 * verifies JSON.stringify(parsed body) instead of the raw bytes refuses them, and with them every
 * real delivery whose formatting differs from its own.
 */
export async function rawBody({ sender }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const event = sender.event();
  const delivery = sender.signed('non-canonical JSON', event, { body: nonCanonicalBody(event) });
  const exchange = await sender.post(delivery);
  const what =
    'a correctly signed delivery with pretty-printed, reordered JSON, \\u escapes and a trailing newline';
  const skipped = await unlessAllRefused(c, sender, exchange);
  if (skipped) return skipped;
  if (answer(exchange) === 'refused') {
    return c.fail(
      `${what} got ${statusOf(exchange)} while compact JSON is accepted: the signature is not verified over the raw bytes as sent (a re-serialised body?), so deliveries formatted differently are lost`,
      c.evidence(exchange),
    );
  }
  return mustAccept(c, exchange, what, 'the receiver cannot take a correctly signed delivery');
}
