import type { CheckContext, CheckOutcome } from '../../define.ts';
import { compactBody } from './bodies.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, mustAccept, mustRefuse, statusOf, unlessAllRefused } from './verdicts.ts';

// A captured delivery is a replay weapon for as long as its timestamp is accepted.
const REPLAYABLE = 'a captured delivery can be replayed long after it was sent';

/** `webhook.stale-rejected`: signed just outside the tolerance. */
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

/** `webhook.fresh-accepted`: signed just inside the tolerance (a slow provider, a queued retry). */
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

/** `webhook.future-rejected`: signed in the future, which would stay valid for longer than the tolerance. */
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

/** `webhook.other-timestamp-rejected`: a signature computed for one timestamp, sent with another. */
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
