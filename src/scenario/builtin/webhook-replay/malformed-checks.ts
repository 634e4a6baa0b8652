import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import type { WebhookRun } from './sender.ts';
import { answer, statusOf } from './verdicts.ts';

export const malformed4xxCheck = defineCheck(import.meta.url, {
  id: 'webhook.malformed-4xx',
  title: 'Malformed signature headers get a 4xx, never a 5xx',
  verifies: 'Every broken signature header (missing, unparsable, of the wrong length, oversized) gets a 4xx.',
  failsWhen:
    'One gets a 5xx or drops the connection (the parser trusted the header’s shape), or a 2xx (it let the delivery through).',
  fix: 'Parse the signature header defensively: treat anything that does not parse as a failed verification and answer 400.',
  severity: 'blocking',
  proof: { faults: ['webhook-500-on-malformed'] },
});

export const noSignatureEchoCheck = defineCheck(import.meta.url, {
  id: 'webhook.no-signature-echo',
  title: 'Refusals never reveal the expected signature',
  verifies:
    'No refusal of the run (tampered, wrong secret, stale, malformed…) contains the signature the receiver expected, in hex or base64, nor the signing secret.',
  failsWhen:
    'An error answer contains the expected signature or the secret: anyone can have any payload signed by sending it once.',
  fix: 'Answer a failed verification with a generic message; log the details server-side, never the expected signature.',
  severity: 'blocking',
  proof: { faults: ['webhook-echo-signature'] },
});

/**
 * Every broken signature header (missing, unparsable, wrong length,
 * oversized) gets a 4xx. A 5xx means the parser trusted the header's shape; a 2xx means it let
 * the delivery through. All variants carry the same event, so the truncated and extended
 * signatures start with the one that is actually valid for the body.
 */
export async function malformed4xx({ sender, scheme }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const valid = sender.signed('malformed', sender.event());
  const variants = scheme.malformed({
    id: valid.event.id,
    timestampSec: valid.timestampSec,
    signatures: [sender.signature(valid.event, valid.body, valid.timestampSec)],
    eventType: valid.event.type,
  });
  const rows: Array<{ name: string; exchange: HttpExchange }> = [];
  for (const variant of variants) {
    const delivery = {
      ...valid,
      label: `malformed: ${variant.name}`,
      headers: { ...valid.headers, ...variant.headers },
    };
    rows.push({ name: variant.name, exchange: await sender.post(delivery) });
  }
  const table = rows.map((r) => `${r.name} → ${statusOf(r.exchange)}`);
  const bad = rows.filter((r) => answer(r.exchange) !== 'refused');
  if (bad.length > 0) {
    const crashed = bad.some((r) => answer(r.exchange) === 'crashed');
    return c.fail(
      `${bad.map((r) => `${r.name} → ${statusOf(r.exchange)}`).join('; ')}: a malformed signature header must get a 4xx${crashed ? ', never a crash' : ''}`,
      c.evidence(bad[0].exchange, { variants: table }),
    );
  }
  const statuses = [...new Set(rows.map((r) => statusOf(r.exchange)))].join('/');
  return c.pass(
    `${rows.length} malformed signature headers (${rows.map((r) => r.name).join(', ')}) → ${statuses}`,
    c.evidence(rows[0].exchange, { variants: table }),
  );
}

/**
 * No refusal in this run (tampered, wrong secret, stale, malformed…)
 * contains the signature the receiver expected, nor the secret: an error that says "expected
 * abc…" signs any payload for the attacker.
 */
export async function noSignatureEcho({ sender }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const refusals = sender.refusals;
  if (refusals.length === 0)
    return c.skip('no delivery was refused in this run, so there is no error body to inspect');
  for (const refusal of refusals) {
    const response = refusal.exchange.response!;
    const answerText = `${Object.values(response.headers).join('\n')}\n${response.text()}`;
    const leaked = leakedIn(answerText, refusal.expected, sender.secret);
    if (leaked) {
      return c.fail(
        `the answer to ${refusal.label} (${response.status}) contains ${leaked}: anyone can have payloads signed by asking`,
        c.evidence(refusal.exchange),
      );
    }
  }
  const statuses = [...new Set(refusals.map((r) => r.exchange.response!.status))].join('/');
  return c.pass(
    `${refusals.length} refusals (${statuses}) contain neither the expected signature nor the secret`,
    c.evidence(refusals[0].exchange),
  );
}

/** The expected signature in any common encoding (hex in either case, base64, base64url), or the secret. */
function leakedIn(text: string, expected: string, secret: string): string | undefined {
  const bytes = Buffer.from(expected, /^[0-9a-f]+$/i.test(expected) ? 'hex' : 'base64');
  const hex = bytes.toString('hex');
  if (
    text.toLowerCase().includes(hex) ||
    text.includes(bytes.toString('base64')) ||
    text.includes(bytes.toString('base64url'))
  ) {
    return 'the expected signature';
  }
  return text.includes(secret) ? 'the signing secret' : undefined;
}
