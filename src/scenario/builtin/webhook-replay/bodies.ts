import { randomBytes } from 'node:crypto';

/** A webhook event as the provider sends it; `id` is what receivers de-duplicate on. */
export interface WebhookEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}

/** A Stripe-shaped event with a non-ASCII description, so the raw-body check has something to escape. */
export function defaultEvent(): WebhookEvent {
  const suffix = randomBytes(8).toString('hex');
  return {
    id: `evt_shakedown_${suffix}`,
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: `pi_${suffix}`,
        object: 'payment_intent',
        amount: 1999,
        currency: 'eur',
        description: 'Café crème',
      },
    },
  };
}

/** What providers send: compact JSON in the event's own key order. */
export function compactBody(event: WebhookEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/**
 * The same event in bytes no JSON.stringify produces: keys in reverse order, two-space indentation,
 * non-ASCII and `/` written as \u escapes, a trailing newline. A receiver that verifies a
 * re-serialisation of the parsed body instead of the raw bytes rejects it.
 */
export function nonCanonicalBody(event: WebhookEvent): Buffer {
  const reordered = reverseKeys(event);
  const text = JSON.stringify(reordered, null, 2).replace(
    /[\u0080-\uffff/]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return Buffer.from(`${text}\n`);
}

/**
 * The body with one byte changed after signing: a letter of the event id has its case flipped, so
 * the JSON stays valid and only the signature can tell.
 */
export function tamperedBody(body: Buffer, event: WebhookEvent): Buffer {
  const copy = Buffer.from(body);
  const start = copy.indexOf(`"${event.id}"`);
  const from = start >= 0 ? start + 1 : Math.floor(copy.length / 2);
  for (let i = from; i < copy.length; i++) {
    const byte = copy[i];
    if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) {
      copy[i] = byte ^ 0x20;
      return copy;
    }
  }
  copy[from] ^= 0x01;
  return copy;
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}
