import { createHmac, randomBytes } from 'node:crypto';
import type { HeaderInput, WebhookScheme } from './types.ts';
import { base64SignatureVariants } from './variants.ts';

const PREFIX = 'whsec_';

/**
 * Standard Webhooks (standardwebhooks.com, Svix): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64> [v1,<base64>…]`, HMAC-SHA256 over `<id>.<timestamp>.<raw body>`
 * keyed with the base64-decoded part of the `whsec_…` secret. The id stays the same across retries,
 * which is what receivers de-duplicate on.
 */
export const standardWebhooksScheme: WebhookScheme = {
  name: 'standard-webhooks',
  timestamped: true,
  multipleSignatures: true,
  acceptsFutureTimestamps: false,
  signature: ({ secret, body, timestampSec, id }) =>
    createHmac('sha256', standardWebhooksKey(secret))
      .update(`${id}.${timestampSec}.`)
      .update(body)
      .digest('base64'),
  headers: ({ id, timestampSec, signatures }) => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signatures.map((s) => `v1,${s}`).join(' '),
  }),
  malformed(valid: HeaderInput) {
    const signature = valid.signatures[0];
    return [
      { name: 'no webhook-signature header', headers: { 'webhook-signature': undefined } },
      { name: 'no webhook-id header', headers: { 'webhook-id': undefined } },
      { name: 'no webhook-timestamp header', headers: { 'webhook-timestamp': undefined } },
      { name: 'webhook-timestamp: abc', headers: { 'webhook-timestamp': 'abc' } },
      { name: 'signature without a version', headers: { 'webhook-signature': signature } },
      ...base64SignatureVariants(signature).map(([name, value]) => ({
        name: `v1: ${name}`,
        headers: { 'webhook-signature': `v1,${value}` },
      })),
    ];
  },
  otherSecret: () => `${PREFIX}${randomBytes(24).toString('base64')}`,
};

/** The HMAC key: the base64 after `whsec_` (the prefix is optional, as in the reference libraries). */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}
