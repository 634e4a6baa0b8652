import type { HttpExchange } from '../../../http/client.ts';
import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome } from '../../define.ts';
import type { WebhookEvent } from './bodies.ts';
import type { Probe } from './probe.ts';
import { nowSec, type WebhookRun } from './sender.ts';
import { answer, statusOf, statusRuns, validAcceptedCheck } from './verdicts.ts';

const CONCURRENT_DELIVERIES = 10;

const SKIPPED_WITHOUT_PROBE =
  'Skipped without a probe (webhookReplayScenario probe), since an accepted duplicate cannot be told from one applied twice.';

export const replayDeduplicatedCheck = defineCheck(import.meta.url, {
  id: 'webhook.replay-deduplicated',
  title: 'An exact replay has no second effect',
  verifies:
    'The same delivery sent twice, byte for byte, is applied once (the probe counts one side effect) and the duplicate gets a 2xx or 4xx.',
  failsWhen: `The replay is applied again, the duplicate gets a 5xx, or the probe does not see the event. ${SKIPPED_WITHOUT_PROBE}`,
  fix: 'Record each event id when it is applied, atomically (a unique key, Redis SET NX), and answer a known id with 2xx without applying it again.',
  severity: 'blocking',
  proof: { faults: ['webhook-no-dedupe'] },
});

export const concurrentDeduplicatedCheck = defineCheck(import.meta.url, {
  id: 'webhook.concurrent-deduplicated',
  title: 'Concurrent duplicates have one effect',
  verifies: `${CONCURRENT_DELIVERIES} identical deliveries sent at once have exactly one side effect, and none gets a 5xx.`,
  failsWhen: `The duplicates race past the de-duplication and are applied more than once, or some crash. ${SKIPPED_WITHOUT_PROBE}`,
  fix: 'De-duplicate with an atomic insert-if-absent on the event id (a unique constraint, Redis SET NX) before applying, not a lookup followed by a write.',
  severity: 'blocking',
  proof: { faults: ['webhook-no-dedupe'] },
});

export const retryDeduplicatedCheck = defineCheck(import.meta.url, {
  id: 'webhook.retry-deduplicated',
  title: 'A re-signed retry has no second effect',
  verifies:
    'A retry as providers send it (the same event id with a new timestamp and signature) has no second side effect.',
  failsWhen: `The retry is applied again: de-duplication keys on the signature or the whole request instead of the event id. ${SKIPPED_WITHOUT_PROBE} Skipped for schemes that sign no timestamp.`,
  fix: 'De-duplicate on the event id the provider sends, and keep the ids at least as long as the provider retries (days for Stripe).',
  severity: 'blocking',
  proof: { faults: ['webhook-no-dedupe'] },
});

/** The same bytes twice are applied once. */
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

/** Ten identical deliveries racing are applied once. */
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
 * Providers retry with the same event id but a new timestamp and
 * signature, so de-duplicating on the signature (or the whole request) is not enough.
 */
export async function retryDeduplicated(run: WebhookRun, c: CheckContext): Promise<CheckOutcome> {
  if (!run.probe) return noProbe(c);
  const { sender, scheme, options } = run;
  if (!scheme.timestamped) {
    return c.skip(
      `the ${scheme.name} scheme signs no timestamp, so a retry is byte for byte a replay (see ${replayDeduplicatedCheck.id})`,
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
    `the first delivery got ${statusOf(exchange)}, so there is nothing to de-duplicate (see ${validAcceptedCheck.id})`,
    c.evidence(exchange),
  );
}
