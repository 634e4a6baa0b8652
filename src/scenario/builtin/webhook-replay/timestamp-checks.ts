import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import { compactBody } from './bodies.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, mustAccept, mustRefuse, statusOf, unlessAllRefused } from './verdicts.ts';

// A captured delivery is a replay weapon for as long as its timestamp is accepted.
const REPLAYABLE = 'a captured delivery can be replayed long after it was sent';
const UNTIMED = 'Skipped for schemes that sign no timestamp.';

export const staleRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.stale-rejected',
  title: 'A timestamp older than the tolerance is refused',
  verifies:
    'A correctly signed delivery whose signed timestamp is older than the tolerance (webhookReplayScenario toleranceSec) is refused with a 4xx.',
  failsWhen: `It is accepted, so a captured delivery can be replayed long after it was sent, or it gets a 5xx. ${UNTIMED}`,
  fix: 'After verifying the signature, refuse deliveries whose signed timestamp is further from now than the tolerance (300 s is the usual default).',
  severity: 'blocking',
  proof: { faults: ['webhook-stale-ok'] },
});

export const freshAcceptedCheck = defineCheck(import.meta.url, {
  id: 'webhook.fresh-accepted',
  title: 'A timestamp within the tolerance is accepted',
  verifies:
    'A correctly signed delivery signed 10 s inside the tolerance (a slow provider, a queued retry) is accepted.',
  failsWhen: `It is refused: the receiver’s tolerance is shorter than documented, so slow or retried deliveries are lost. ${UNTIMED}`,
  fix: 'Use the tolerance the provider documents (300 s for Stripe), and keep the server clock synchronised (NTP).',
  severity: 'blocking',
  proof: { faults: ['webhook-short-tolerance'] },
});

export const futureRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.future-rejected',
  title: 'A timestamp far in the future is refused',
  verifies:
    'A correctly signed delivery dated well beyond the tolerance in the future is refused with a 4xx, since it would stay replayable longer than the tolerance.',
  failsWhen: `It is accepted. Only warns for schemes whose official libraries accept future timestamps too (Stripe). ${UNTIMED}`,
  fix: 'Compare the absolute distance between the signed timestamp and now with the tolerance, not only its age.',
  severity: 'blocking',
  proof: {
    exempt:
      'no planted fault of the reference target can fail it: the reference target speaks Stripe’s scheme, where accepting a future timestamp is a warn (webhook-stale-ok shows it). It fails against the Standard Webhooks fixture receiver with its future-ok bug (test/e2e/scenarios-webhook-fixture.e2e.test.ts).',
  },
});

export const otherTimestampRejectedCheck = defineCheck(import.meta.url, {
  id: 'webhook.other-timestamp-rejected',
  title: 'A signature for another timestamp is refused',
  verifies:
    'A signature computed for a timestamp 60 s earlier than the one sent is refused: the timestamp is covered by the signature.',
  failsWhen: `It is accepted, so anyone can re-date a captured delivery, or it gets a 5xx. ${UNTIMED}`,
  fix: 'Compute the expected signature over the timestamp as sent together with the raw body, as the provider documents (for Stripe, "<t>.<body>").',
  severity: 'blocking',
  proof: { faults: ['webhook-no-verify'] },
});

/** Signed just outside the tolerance. */
export async function staleRejected(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.scheme.timestamped) return untimed(run, c);
  const ageSec = run.options.toleranceSec + 5;
  const { sender } = run;
  const delivery = sender.signed('a stale timestamp', sender.event(), { timestampSec: nowSec() - ageSec });
  return mustRefuse(
    c,
    await sender.post(delivery),
    `a delivery signed ${ageSec} s ago (tolerance ${run.options.toleranceSec} s)`,
    REPLAYABLE,
  );
}

/** Signed just inside the tolerance (a slow provider, a queued retry). */
export async function freshAccepted(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.scheme.timestamped) return untimed(run, c);
  const ageSec = run.options.toleranceSec - 10;
  const { sender } = run;
  const delivery = sender.signed('a timestamp within the tolerance', sender.event(), {
    timestampSec: nowSec() - ageSec,
  });
  const exchange = await sender.post(delivery);
  const skipped = await unlessAllRefused(c, sender, exchange);
  if (skipped) return skipped;
  return mustAccept(
    c,
    exchange,
    `a delivery signed ${ageSec} s ago (tolerance ${run.options.toleranceSec} s)`,
    'the receiver refuses deliveries inside the documented tolerance, so slow or retried deliveries are lost',
  );
}

/** Signed in the future, which would stay valid for longer than the tolerance. */
export async function futureRejected(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.scheme.timestamped) return untimed(run, c);
  const aheadSec = Math.max(600, run.options.toleranceSec + 60);
  const { sender, scheme } = run;
  const exchange = await sender.post(
    sender.signed('a future timestamp', sender.event(), { timestampSec: nowSec() + aheadSec }),
  );
  const what = `a delivery signed ${aheadSec} s in the future`;
  if (answer(exchange) === 'accepted' && scheme.acceptsFutureTimestamps) {
    return c.warn(
      `${what} was accepted (${statusOf(exchange)}), as ${scheme.name}'s own libraries do; a captured delivery signed ahead stays replayable ${aheadSec} s longer than the tolerance`,
      c.evidence(exchange),
    );
  }
  return mustRefuse(c, exchange, what, `it stays replayable for ${aheadSec} s beyond the tolerance`);
}

/** A signature computed for one timestamp, sent with another. */
export async function otherTimestampRejected(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.scheme.timestamped) return untimed(run, c);
  const { sender } = run;
  const event = sender.event();
  const now = nowSec();
  const body = compactBody(event);
  const signatures = [sender.signature(event, body, now - 60)];
  const delivery = sender.signed('a signature for another timestamp', event, {
    body,
    timestampSec: now,
    signatures,
  });
  return mustRefuse(
    c,
    await sender.post(delivery),
    'a signature computed for a timestamp 60 s earlier than the one sent',
    'the timestamp is not covered by the signature, so anyone can refresh a captured delivery',
  );
}

function untimed(run: WebhookRun, c: CheckContext): CheckOutcome {
  return c.skip(
    `the ${run.scheme.name} scheme signs no timestamp; replay protection rests on de-duplication`,
  );
}
