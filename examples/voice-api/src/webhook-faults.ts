import type { Faults } from './faults.ts';
import {
  checkSignature,
  computeSignature,
  HEX_SHA256,
  SIGNATURE_TOLERANCE_SEC,
  type SignatureHeader,
  type Verdict,
} from './webhooks.ts';

// The planted signature bugs (FAULTS.md says which check catches each). Healthy, this is just
// checkSignature over every v1 with the whole `whsec_…` string as the key.

/** `webhook-short-tolerance`: what a "tightened" replay window looks like. */
export const SHORT_TOLERANCE_SEC = 10;

export function toleranceSec(faults: Faults): number {
  return faults.has('webhook-short-tolerance') ? SHORT_TOLERANCE_SEC : SIGNATURE_TOLERANCE_SEC;
}

/** The signature versions the parser reads: `v0` (Stripe's unverified test scheme) only by mistake. */
export function signatureVersions(faults: Faults): string[] {
  return faults.has('webhook-accept-v0') ? ['v1', 'v0'] : ['v1'];
}

export function verifySignature(
  faults: Faults,
  secret: string,
  parsed: SignatureHeader,
  payload: Buffer | string,
): Verdict {
  // "Verification" that only looks at the form: any well-formed v1 passes, whatever it signs.
  if (faults.has('webhook-no-verify')) {
    return parsed.signatures.some((candidate) => HEX_SHA256.test(candidate))
      ? { ok: true }
      : { ok: false, detail: 'no well-formed v1 signature' };
  }
  // The Standard Webhooks convention (base64-decode what follows `whsec_`) applied to Stripe, which
  // keys with the whole string: no genuine delivery ever verifies.
  const key = faults.has('webhook-reject-all')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : secret;
  const candidates = faults.has('webhook-first-signature-only')
    ? { ...parsed, signatures: parsed.signatures.slice(0, 1) }
    : parsed;
  const verdict = checkSignature(key, candidates, payload);
  if (verdict.ok || !faults.has('webhook-echo-signature')) return verdict;
  // The "helpful" refusal: it says what the signature should have been, so anyone can have any
  // payload signed by sending it once.
  const expected = computeSignature(key, parsed.timestampSec, payload);
  return { ok: false, detail: `${verdict.detail}; expected v1=${expected}` };
}
