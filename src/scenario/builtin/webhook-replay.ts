import { ShakedownError } from '../../errors.ts';
import type { CheckContext, CheckOutcome, ScenarioContext, ScenarioDefinition } from '../define.ts';
import { type WebhookScheme, webhookSchemes } from '../webhook-schemes/index.ts';
import { parseScenarioOptions } from './options.ts';
import {
  concurrentDeduplicated,
  replayDeduplicated,
  retryDeduplicated,
  validAccepted,
} from './webhook-replay/dedupe-checks.ts';
import { malformed4xx, noSignatureEcho } from './webhook-replay/malformed-checks.ts';
import {
  type WebhookReplayOptions,
  type WebhookReplayScenarioOptions,
  webhookOptionsSchema,
} from './webhook-replay/options.ts';
import { createProbe } from './webhook-replay/probe.ts';
import { Sender, type WebhookRun } from './webhook-replay/sender.ts';
import {
  rawBody,
  rotation,
  tamperedRejected,
  v0OnlyRejected,
  wrongSecretRejected,
} from './webhook-replay/signature-checks.ts';
import {
  freshAccepted,
  futureRejected,
  otherTimestampRejected,
  staleRejected,
} from './webhook-replay/timestamp-checks.ts';

export type { WebhookEvent } from './webhook-replay/bodies.ts';
export type { WebhookReplayScenarioOptions } from './webhook-replay/options.ts';

type WebhookCheck = (run: WebhookRun, c: CheckContext) => Promise<CheckOutcome>;

const CHECKS: ReadonlyArray<[id: string, title: string, check: WebhookCheck]> = [
  ['webhook.valid-accepted', 'A correctly signed delivery is accepted', validAccepted],
  ['webhook.replay-deduplicated', 'An exact replay has no second effect', replayDeduplicated],
  ['webhook.concurrent-deduplicated', 'Concurrent duplicates have one effect', concurrentDeduplicated],
  ['webhook.retry-deduplicated', 'A re-signed retry has no second effect', retryDeduplicated],
  ['webhook.stale-rejected', 'A timestamp older than the tolerance is refused', staleRejected],
  ['webhook.fresh-accepted', 'A timestamp within the tolerance is accepted', freshAccepted],
  ['webhook.future-rejected', 'A timestamp far in the future is refused', futureRejected],
  ['webhook.tampered-rejected', 'A body changed after signing is refused', tamperedRejected],
  ['webhook.wrong-secret-rejected', 'A signature made with another secret is refused', wrongSecretRejected],
  [
    'webhook.other-timestamp-rejected',
    'A signature for another timestamp is refused',
    otherTimestampRejected,
  ],
  ['webhook.v0-only-rejected', 'A v0-only Stripe signature is refused', v0OnlyRejected],
  ['webhook.malformed-4xx', 'Malformed signature headers get a 4xx, never a 5xx', malformed4xx],
  ['webhook.rotation', 'A bogus signature beside the valid one is accepted', rotation],
  ['webhook.raw-body', 'The signature is verified over the raw body bytes', rawBody],
  // Last: it inspects every refusal the checks above provoked.
  ['webhook.no-signature-echo', 'Refusals never reveal the expected signature', noSignatureEcho],
];

/**
 * Webhook receivers, black-box: Shakedown plays the provider, signs deliveries with the receiver's
 * secret under the provider's scheme, and checks signature verification (raw body, tampering,
 * wrong secret, malformed headers, rotation), timestamp tolerance, and de-duplication of replays,
 * concurrent duplicates and retries, counting side effects through a probe. Every check uses
 * events with new ids, so de-duplication never hides a finding of another check.
 */
export function webhookReplayScenario(options: WebhookReplayScenarioOptions): ScenarioDefinition {
  const parsed = parseScenarioOptions('webhookReplayScenario', webhookOptionsSchema, options);
  return {
    name: 'webhook-replay',
    ...(parsed.checkTimeoutSec ? { options: { checkTimeoutSec: parsed.checkTimeoutSec } } : {}),
    run: (ctx) => runWebhookReplay(ctx, parsed),
  };
}

async function runWebhookReplay(ctx: ScenarioContext, options: WebhookReplayOptions): Promise<void> {
  const scheme: WebhookScheme =
    typeof options.scheme === 'string' ? webhookSchemes[options.scheme] : options.scheme;
  const secret = signingSecret(ctx, options);
  const run: WebhookRun = {
    ctx,
    options,
    scheme,
    sender: new Sender(ctx, options, scheme, secret),
    ...(options.probe ? { probe: createProbe(ctx, options.probe, options.settleMs) } : {}),
  };
  // A broken event factory is bad input (exit 2), not a failed check: try it before any check runs.
  run.sender.event();
  run.sender.event();
  for (const [id, title, check] of CHECKS) {
    if (ctx.signal.aborted) return;
    await ctx.check(id, title, (c) => check(run, c));
  }
}

function signingSecret(ctx: ScenarioContext, options: WebhookReplayOptions): string {
  if (options.secret) {
    ctx.redactor.addSecret(options.secret);
    return options.secret;
  }
  const name = options.secretName ?? 'WEBHOOK_SECRET';
  const secret = ctx.target.secrets[name];
  if (!secret) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `webhookReplayScenario needs the signing secret: secrets.${name} is not set in the config (or pass secretName / secret).`,
    );
  }
  return secret;
}
