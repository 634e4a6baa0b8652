import { createHmac } from 'node:crypto';
import type { HeaderInput, WebhookScheme } from './types.ts';
import { hexSignatureVariants, lookalikeSecret } from './variants.ts';

const HEADER = 'x-hub-signature-256';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed with the secret.
 * No timestamp is signed, so replay protection rests entirely on de-duplicating
 * `X-GitHub-Delivery`, which a redelivery keeps.
 */
export const githubScheme: WebhookScheme = {
  name: 'github',
  timestamped: false,
  multipleSignatures: false,
  acceptsFutureTimestamps: false,
  signature: ({ secret, body }) => createHmac('sha256', secret).update(body).digest('hex'),
  headers: ({ id, signatures, eventType }) => ({
    [HEADER]: `sha256=${signatures[0]}`,
    'x-github-delivery': id,
    'x-github-event': eventType,
  }),
  malformed(valid: HeaderInput) {
    const signature = valid.signatures[0];
    return [
      { name: 'no X-Hub-Signature-256 header', headers: { [HEADER]: undefined } },
      { name: 'signature without sha256=', headers: { [HEADER]: signature } },
      { name: 'sha1= instead of sha256=', headers: { [HEADER]: `sha1=${signature.slice(0, 40)}` } },
      ...hexSignatureVariants(signature).map(([name, value]) => ({
        name,
        headers: { [HEADER]: `sha256=${value}` },
      })),
    ];
  },
  otherSecret: (secret) => lookalikeSecret(secret),
};
