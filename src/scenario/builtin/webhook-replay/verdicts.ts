import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import type { Sender, WebhookRun } from './sender.ts';

export const validAcceptedCheck = defineCheck(import.meta.url, {
  id: 'webhook.valid-accepted',
  title: 'A correctly signed delivery is accepted',
  verifies:
    'A delivery signed now with the receiver’s secret, under the provider’s scheme (webhookReplayScenario scheme: Stripe, GitHub, Slack, Standard Webhooks or your own), is accepted with a 2xx.',
  failsWhen:
    'A genuine delivery is refused or errors: the secret is decoded or applied differently from the provider, the path is wrong, or verification rejects everything. The other webhook checks rely on this one.',
  fix: 'Verify with the secret exactly as the provider issues it and the algorithm it documents, over the raw request body; the provider’s own SDK gets this right.',
  severity: 'blocking',
  proof: { faults: ['webhook-reject-all'] },
});

/** The baseline every other webhook check stands on. */
export async function validAccepted({ sender }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const delivery = sender.signed('a correctly signed delivery', sender.event());
  return mustAccept(
    c,
    await sender.post(delivery),
    'a correctly signed delivery (signed now)',
    'check the path, scheme and secret: the other webhook checks rely on this one',
  );
}

export type Answer = 'accepted' | 'refused' | 'crashed';

/** 2xx accepted, 4xx refused; a 5xx or a dropped connection is a crash, never a valid refusal. */
export function answer(exchange: HttpExchange): Answer {
  const status = exchange.response?.status;
  if (status === undefined || status >= 500) return 'crashed';
  if (status >= 200 && status < 300) return 'accepted';
  return status >= 400 ? 'refused' : 'crashed';
}

export function statusOf(exchange: HttpExchange): string {
  return exchange.response ? String(exchange.response.status) : `network error ${exchange.error?.code}`;
}

/** `200 ×9, 409` — the statuses of several exchanges, counted. */
export function statusRuns(exchanges: readonly HttpExchange[]): string {
  const counts = new Map<string, number>();
  for (const status of exchanges.map(statusOf).sort()) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => (n > 1 ? `${status} ×${n}` : status)).join(', ');
}

/** The delivery must be refused with a 4xx; `ifAccepted` says why accepting it is dangerous. */
export function mustRefuse(
  c: CheckContext,
  exchange: HttpExchange,
  what: string,
  ifAccepted: string,
): CheckOutcome {
  const evidence = c.evidence(exchange);
  switch (answer(exchange)) {
    case 'refused':
      return c.pass(`${what} → ${statusOf(exchange)}`, evidence);
    case 'accepted':
      return c.fail(`${what} was accepted (${statusOf(exchange)}): ${ifAccepted}`, evidence);
    default:
      return c.fail(
        `${what} → ${statusOf(exchange)}: a bad delivery must get a 4xx, never a crash`,
        evidence,
      );
  }
}

/** The delivery must be accepted with a 2xx; `ifRefused` says what a refusal means. */
export function mustAccept(
  c: CheckContext,
  exchange: HttpExchange,
  what: string,
  ifRefused: string,
): CheckOutcome {
  const evidence = c.evidence(exchange);
  if (answer(exchange) === 'accepted') return c.pass(`${what} → ${statusOf(exchange)}`, evidence);
  return c.fail(`${what} got ${statusOf(exchange)}: ${ifRefused}`, evidence);
}

/**
 * A delivery that should have been accepted was refused: is it this case, or does the receiver
 * refuse every delivery? A plain, correctly signed control delivery tells; when it is refused too,
 * the check skips (the valid-delivery check reports the cause) instead of blaming the wrong thing.
 */
export async function unlessAllRefused(
  c: CheckContext,
  sender: Sender,
  exchange: HttpExchange,
): Promise<CheckOutcome | undefined> {
  if (answer(exchange) !== 'refused') return undefined;
  const control = await sender.post(sender.signed('a plain delivery (control)', sender.event()));
  if (answer(control) === 'accepted') return undefined;
  return c.skip(
    `refused with ${statusOf(exchange)}, but so is a plain, correctly signed delivery (${statusOf(control)}), so this case cannot be judged (see ${validAcceptedCheck.id})`,
    c.evidence(exchange),
  );
}
