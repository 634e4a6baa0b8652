import { githubScheme } from './github.ts';
import { slackScheme } from './slack.ts';
import { standardWebhooksScheme } from './standard-webhooks.ts';
import { stripeScheme } from './stripe.ts';
import type { WebhookScheme } from './types.ts';

export { type HmacSchemeOptions, hmacScheme } from './hmac.ts';
export type { HeaderInput, HeaderVariant, SignInput, WebhookScheme } from './types.ts';

/** The schemes a `webhookReplayScenario` can name; anything else is built with `hmacScheme({...})`. */
export const webhookSchemes = {
  stripe: stripeScheme,
  'standard-webhooks': standardWebhooksScheme,
  github: githubScheme,
  slack: slackScheme,
} as const satisfies Record<string, WebhookScheme>;

export type WebhookSchemeName = keyof typeof webhookSchemes;
