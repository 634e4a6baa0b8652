import type { CheckContext, CheckOutcome } from '../../define.ts';
import { compactBody, nonCanonicalBody, tamperedBody } from './bodies.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, mustAccept, mustRefuse, statusOf, unlessAllRefused } from './verdicts.ts';

/** `webhook.tampered-rejected`: one body byte changed after signing. */
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

/** `webhook.wrong-secret-rejected`: well-formed, signed with a secret of the same shape. */
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

/** `webhook.v0-only-rejected` (Stripe): the valid HMAC under the test-mode `v0` label only. */
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
 * `webhook.rotation`: while a secret is rolled, deliveries carry one signature per secret, and the
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
 * `webhook.raw-body`: correctly signed bytes that no serializer would produce. A receiver that
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
