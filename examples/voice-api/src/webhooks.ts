import { createHmac, timingSafeEqual } from 'node:crypto';

// Stripe's scheme: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 keyed with the
// whole `whsec_…` string over `${t}.${rawBody}`. Several v1 values appear while a secret is rolled.
export const SIGNATURE_TOLERANCE_SEC = 300;

export interface SignatureHeader {
  timestampSec: number;
  signatures: string[];
}

export type Verdict = { ok: true } | { ok: false; detail: string };

export function computeSignature(secret: string, timestampSec: number, payload: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(payload).digest('hex');
}

/** Undefined when the header is missing or malformed; never throws, whatever the input. */
export function parseSignatureHeader(header: string | undefined): SignatureHeader | undefined {
  if (!header) return undefined;
  let timestampSec: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value) || timestampSec !== undefined) return undefined;
      timestampSec = Number(value);
    } else if (name === 'v1') {
      signatures.push(value);
    }
    // Other schemes (v0 is Stripe's test scheme) are ignored, as Stripe's own libraries do.
  }
  if (timestampSec === undefined || signatures.length === 0) return undefined;
  return { timestampSec, signatures };
}

/**
 * The parser the `webhook-500-on-malformed` fault swaps in: it trusts the header's shape, so a
 * missing or odd header throws a TypeError out of the handler.
 */
export function parseSignatureHeaderNaively(header: string | undefined): SignatureHeader {
  const timestamp = /t=(\d+)/.exec(header as string)!;
  const signatures = header!.split(',').flatMap((item) => (item.startsWith('v1=') ? [item.slice(3)] : []));
  return {
    timestampSec: Number(timestamp[1]),
    signatures: signatures.length ? signatures : [header!.split('v1=')[1].trim()],
  };
}

export function checkTimestamp(timestampSec: number, nowSec: number): Verdict {
  return Math.abs(nowSec - timestampSec) <= SIGNATURE_TOLERANCE_SEC
    ? { ok: true }
    : { ok: false, detail: `timestamp is outside the ${SIGNATURE_TOLERANCE_SEC} s tolerance` };
}

export function checkSignature(secret: string, parsed: SignatureHeader, payload: Buffer | string): Verdict {
  const expected = Buffer.from(computeSignature(secret, parsed.timestampSec, payload), 'hex');
  const matches = parsed.signatures.some((candidate) => {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) return false;
    return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
  });
  // The detail must not help forge a signature: no expected value, no hint which part differed.
  return matches ? { ok: true } : { ok: false, detail: 'no v1 signature matches the payload' };
}
