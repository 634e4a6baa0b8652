import { createHmac } from 'node:crypto';
import type { HeaderInput, WebhookScheme } from './types.ts';
import { hexSignatureVariants, lookalikeSecret } from './variants.ts';

const SIGNATURE = 'x-slack-signature';
const TIMESTAMP = 'x-slack-request-timestamp';

/**
 * Slack: `X-Slack-Signature: v0=<hex>` and `X-Slack-Request-Timestamp`, HMAC-SHA256 keyed with the
 * signing secret over `v0:<timestamp>:<raw body>`; Slack asks receivers to refuse requests more
 * than five minutes old.
 */
export const slackScheme: WebhookScheme = {
  name: 'slack',
  timestamped: true,
  multipleSignatures: false,
  acceptsFutureTimestamps: false,
  signature: ({ secret, body, timestampSec }) =>
    createHmac('sha256', secret).update(`v0:${timestampSec}:`).update(body).digest('hex'),
  headers: ({ timestampSec, signatures }) => ({
    [SIGNATURE]: `v0=${signatures[0]}`,
    [TIMESTAMP]: String(timestampSec),
  }),
  malformed(valid: HeaderInput) {
    const signature = valid.signatures[0];
    return [
      { name: 'no X-Slack-Signature header', headers: { [SIGNATURE]: undefined } },
      { name: 'no X-Slack-Request-Timestamp header', headers: { [TIMESTAMP]: undefined } },
      { name: 'X-Slack-Request-Timestamp: abc', headers: { [TIMESTAMP]: 'abc' } },
      { name: 'signature without v0=', headers: { [SIGNATURE]: signature } },
      ...hexSignatureVariants(signature).map(([name, value]) => ({
        name,
        headers: { [SIGNATURE]: `v0=${value}` },
      })),
    ];
  },
  otherSecret: (secret) => lookalikeSecret(secret),
};
