import { createHmac } from 'node:crypto';
import { defineContractHooks } from 'shakedown';

/**
 * What the spec cannot say for the reference target: how to sign a webhook delivery. Every request
 * that carries a `Stripe-Signature` gets a fresh, valid one over its exact bytes, so positive
 * deliveries are accepted and negative ones are refused for the broken field, not the signature.
 */
export default defineContractHooks({
  spec: 'voice-api.openapi.yaml',
  operations: {
    receivePaymentWebhook: {
      before(request, { secrets }) {
        const secret = secrets.WEBHOOK_SECRET;
        const header = Object.keys(request.headers).find((name) => name.toLowerCase() === 'stripe-signature');
        if (!secret || !header) return;
        const raw = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? {});
        const timestampSec = Math.floor(Date.now() / 1000);
        const v1 = createHmac('sha256', secret).update(`${timestampSec}.${raw}`).digest('hex');
        request.body = raw;
        request.headers[header] = `t=${timestampSec},v1=${v1}`;
      },
    },
  },
});
