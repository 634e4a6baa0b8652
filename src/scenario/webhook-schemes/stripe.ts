import { createHmac } from 'node:crypto';
import type { HeaderInput, WebhookScheme } from './types.ts';
import { hexSignatureVariants, lookalikeSecret } from './variants.ts';

const HEADER = 'stripe-signature';

/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 keyed with the
 * whole `whsec_…` string (not decoded) over `<t>.<raw body>`. Several `v1` appear while a secret is
 * rolled; `v0` is the test-mode scheme, which a receiver must ignore.
 */
export const stripeScheme: WebhookScheme = {
  name: 'stripe',
  timestamped: true,
  multipleSignatures: true,
  // stripe-node and friends check only that the timestamp is not too old.
  acceptsFutureTimestamps: true,
  signature: ({ secret, body, timestampSec }) =>
    createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex'),
  headers: ({ timestampSec, signatures }) => ({
    [HEADER]: [`t=${timestampSec}`, ...signatures.map((s) => `v1=${s}`)].join(','),
  }),
  malformed(valid: HeaderInput) {
    const t = valid.timestampSec;
    const signature = valid.signatures[0];
    return [
      { name: 'no Stripe-Signature header', headers: { [HEADER]: undefined } },
      { name: 'empty Stripe-Signature header', headers: { [HEADER]: '' } },
      { name: 't=abc', headers: { [HEADER]: `t=abc,v1=${signature}` } },
      { name: 'no v1', headers: { [HEADER]: `t=${t}` } },
      { name: 'no t', headers: { [HEADER]: `v1=${signature}` } },
      ...hexSignatureVariants(signature).map(([name, value]) => ({
        name: `v1: ${name}`,
        headers: { [HEADER]: `t=${t},v1=${value}` },
      })),
    ];
  },
  otherSecret: (secret) => lookalikeSecret(secret, 'whsec_'),
  downgraded: ({ timestampSec, signatures }) => ({ [HEADER]: `t=${timestampSec},v0=${signatures[0]}` }),
};
