import type { HttpExchange } from '../../../http/client.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import type { WebhookEvent } from './bodies.ts';
import type { Probe } from './probe.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, mustAccept, statusOf, statusRuns } from './verdicts.ts';

const CONCURRENT_DELIVERIES = 10;

/** `webhook.valid-accepted`: the baseline every other check stands on. */
export async function validAccepted({ sender }: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  const delivery = sender.signed('a correctly signed delivery', sender.event());
  return mustAccept(
    c,
    await sender.post(delivery),
    'a correctly signed delivery (signed now)',
    'check the path, scheme and secret: the other webhook checks rely on this one',
  );
}

/** `webhook.replay-deduplicated`: the same bytes twice are applied once. */
export async function replayDeduplicated(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.probe) return noProbe(c);
  const { sender } = run;
  const event = sender.event();
  const delivery = sender.signed('an exact replay', event);
  const first = await sender.post(delivery);
  if (answer(first) !== 'accepted') return firstRefused(c, first);
  const replay = await sender.post(delivery);
  if (answer(replay) === 'crashed') {
    return c.fail(
      `the replay got ${statusOf(replay)}: a duplicate must get a 2xx or 4xx`,
      c.evidence(replay),
    );
  }
  return judgeCount(
    c,
    run.probe,
    event,
    replay,
    `the exact replay got ${statusOf(replay)}`,
    'the replay was applied again',
  );
}

/** `webhook.concurrent-deduplicated`: ten identical deliveries racing are applied once. */
export async function concurrentDeduplicated(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.probe) return noProbe(c);
  const { sender } = run;
  const event = sender.event();
  const delivery = sender.signed('a concurrent duplicate', event);
  const exchanges = await Promise.all(
    Array.from({ length: CONCURRENT_DELIVERIES }, () => sender.post(delivery)),
  );
  const statuses = statusRuns(exchanges);
  const crashed = exchanges.find((e) => answer(e) === 'crashed');
  if (crashed) {
    return c.fail(
      `${CONCURRENT_DELIVERIES} identical deliveries at once got ${statuses}: duplicates must get a 2xx or 4xx`,
      c.evidence(crashed, { statuses }),
    );
  }
  const accepted = exchanges.find((e) => answer(e) === 'accepted');
  if (!accepted) return firstRefused(c, exchanges[0]);
  return judgeCount(
    c,
    run.probe,
    event,
    accepted,
    `${CONCURRENT_DELIVERIES} identical deliveries at once got ${statuses}`,
    'the duplicates were applied more than once',
  );
}

/**
 * `webhook.retry-deduplicated`: providers retry with the same event id but a new timestamp and
 * signature, so de-duplicating on the signature (or the whole request) is not enough.
 */
export async function retryDeduplicated(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.probe) return noProbe(c);
  const { sender, scheme, options } = run;
  if (!scheme.timestamped) {
    return c.skip(
      `the ${scheme.name} scheme signs no timestamp, so a retry is byte for byte a replay (see webhook.replay-deduplicated)`,
    );
  }
  const event = sender.event();
  const gapSec = Math.min(60, Math.floor(options.toleranceSec / 2));
  const first = await sender.post(
    sender.signed('the first attempt', event, { timestampSec: nowSec() - gapSec }),
  );
  if (answer(first) !== 'accepted') return firstRefused(c, first);
  const retry = await sender.post(sender.signed('a retry', event, { timestampSec: nowSec() }));
  if (answer(retry) === 'crashed') {
    return c.fail(`the retry got ${statusOf(retry)}: a duplicate must get a 2xx or 4xx`, c.evidence(retry));
  }
  return judgeCount(
    c,
    run.probe,
    event,
    retry,
    `a retry ${gapSec} s later (same event id, new timestamp and signature) got ${statusOf(retry)}`,
    'the retry was applied again',
  );
}

async function judgeCount(
  c: CheckContext,
  probe: Probe,
  event: WebhookEvent,
  exchange: HttpExchange,
  what: string,
  /** What a count above 1 means, e.g. `the replay was applied again`. */
  ifCountedTwice: string,
): Promise<CheckOutcome> {
  const counted = await probe(event.id);
  const evidence = c.evidence(exchange, {
    eventId: event.id,
    ...(counted.ok ? { sideEffects: counted.count } : { probeError: counted.reason }),
    ...(counted.exchange ? { probe: c.evidence(counted.exchange) } : {}),
  });
  if (!counted.ok) return c.fail(`${what}, but the probe failed: ${counted.reason}`, evidence);
  if (counted.count === 1) return c.pass(`${what}, and the probe counts 1 side effect`, evidence);
  if (counted.count === 0) {
    return c.fail(
      `${what}, but the probe counts 0 side effects for an accepted event: it does not see the event (check probe.path and probe.count)`,
      evidence,
    );
  }
  return c.fail(
    `${what}, but the probe counts ${counted.count} side effects for one event: ${ifCountedTwice}`,
    evidence,
  );
}

function noProbe(c: CheckContext): CheckOutcome {
  return c.skip(
    "no probe configured: without counting side effects, an accepted duplicate cannot be told from one applied twice (set probe: { path: '/events/{id}', count: (body) => body.applied })",
  );
}

function firstRefused(c: CheckContext, exchange: HttpExchange): CheckOutcome {
  return c.skip(
    `the first delivery got ${statusOf(exchange)}, so there is nothing to de-duplicate (see webhook.valid-accepted)`,
    c.evidence(exchange),
  );
}
