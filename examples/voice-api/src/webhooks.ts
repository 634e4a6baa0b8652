import { createHmac, timingSafeEqual } from 'node:crypto';

// Stripe's scheme: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 keyed with the
// whole `whsec_…` string over `${t}.${rawBody}`. Several v1 values appear while a secret is rolled.
export const SIGNATURE_TOLERANCE_SEC = 300;
/** What a v1 signature looks like: a hex SHA-256. */
export const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export interface SignatureHeader {
  timestampSec: number;
  signatures: string[];
}

export type Verdict = { ok: true } | { ok: false; detail: string };

export function computeSignature(
  secret: string | Buffer,
  timestampSec: number,
  payload: Buffer | string,
): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(payload).digest('hex');
}

/**
 * Undefined when the header is missing or malformed; never throws, whatever the input. `versions`
 * are the signature schemes read (only the `webhook-accept-v0` fault adds `v0`).
 */
export function parseSignatureHeader(
  header: string | undefined,
  versions: readonly string[] = ['v1'],
): SignatureHeader | undefined {
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
    } else if (versions.includes(name)) {
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

export function checkTimestamp(
  timestampSec: number,
  nowSec: number,
  toleranceSec = SIGNATURE_TOLERANCE_SEC,
): Verdict {
  return Math.abs(nowSec - timestampSec) <= toleranceSec
    ? { ok: true }
    : { ok: false, detail: `timestamp is outside the ${toleranceSec} s tolerance` };
}

export function checkSignature(
  secret: string | Buffer,
  parsed: SignatureHeader,
  payload: Buffer | string,
): Verdict {
  const expected = Buffer.from(computeSignature(secret, parsed.timestampSec, payload), 'hex');
  const matches = parsed.signatures.some((candidate) => {
    if (!HEX_SHA256.test(candidate)) return false;
    return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
  });
  // The detail must not help forge a signature: no expected value, no hint which part differed.
  return matches ? { ok: true } : { ok: false, detail: 'no v1 signature matches the payload' };
}
