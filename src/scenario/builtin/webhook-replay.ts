import { ShakedownError } from '../../errors.ts';
import type { Check } from '../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext, ScenarioDefinition } from '../define.ts';
import { type WebhookScheme, webhookSchemes } from '../webhook-schemes/index.ts';
import { parseScenarioOptions } from './options.ts';
import {
  concurrentDeduplicated,
  concurrentDeduplicatedCheck,
  replayDeduplicated,
  replayDeduplicatedCheck,
  retryDeduplicated,
  retryDeduplicatedCheck,
} from './webhook-replay/dedupe-checks.ts';
import {
  malformed4xx,
  malformed4xxCheck,
  noSignatureEcho,
  noSignatureEchoCheck,
} from './webhook-replay/malformed-checks.ts';
import {
  type WebhookReplayOptions,
  type WebhookReplayScenarioOptions,
  webhookOptionsSchema,
} from './webhook-replay/options.ts';
import { createProbe } from './webhook-replay/probe.ts';
import { Sender, type WebhookRun } from './webhook-replay/sender.ts';
import {
  rawBody,
  rawBodyCheck,
  rotation,
  rotationCheck,
  tamperedRejected,
  tamperedRejectedCheck,
  v0OnlyRejected,
  v0OnlyRejectedCheck,
  wrongSecretRejected,
  wrongSecretRejectedCheck,
} from './webhook-replay/signature-checks.ts';
import {
  freshAccepted,
  freshAcceptedCheck,
  futureRejected,
  futureRejectedCheck,
  otherTimestampRejected,
  otherTimestampRejectedCheck,
  staleRejected,
  staleRejectedCheck,
} from './webhook-replay/timestamp-checks.ts';
import { validAccepted, validAcceptedCheck } from './webhook-replay/verdicts.ts';

export type { WebhookEvent } from './webhook-replay/bodies.ts';
export type { WebhookReplayScenarioOptions } from './webhook-replay/options.ts';

type WebhookCheck = (run: WebhookRun, c: CheckContext) => Promise<CheckOutcome>;

const CHECKS: ReadonlyArray<[check: Check, judge: WebhookCheck]> = [
  [validAcceptedCheck, validAccepted],
  [replayDeduplicatedCheck, replayDeduplicated],
  [concurrentDeduplicatedCheck, concurrentDeduplicated],
  [retryDeduplicatedCheck, retryDeduplicated],
  [staleRejectedCheck, staleRejected],
  [freshAcceptedCheck, freshAccepted],
  [futureRejectedCheck, futureRejected],
  [tamperedRejectedCheck, tamperedRejected],
  [wrongSecretRejectedCheck, wrongSecretRejected],
  [otherTimestampRejectedCheck, otherTimestampRejected],
  [v0OnlyRejectedCheck, v0OnlyRejected],
  [malformed4xxCheck, malformed4xx],
  [rotationCheck, rotation],
  [rawBodyCheck, rawBody],
  // Last: it inspects every refusal the checks above provoked.
  [noSignatureEchoCheck, noSignatureEcho],
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
  for (const [check, judge] of CHECKS) {
    if (ctx.signal.aborted) return;
    await ctx.check(check, (c) => judge(run, c));
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
