import { randomBytes } from 'node:crypto';
import { OVERSIZED_HEADER_BYTES } from './types.ts';

/**
 * Broken versions of a valid hex signature: empty, not hex, one character short, one too long,
 * oversized. The short and long ones start with the valid value, so a receiver comparing prefixes
 * (or only the first n bytes) accepts them.
 */
export function hexSignatureVariants(valid: string): Array<[name: string, value: string]> {
  return [
    ['empty signature', ''],
    ['non-hex signature', 'z'.repeat(valid.length)],
    [`${valid.length - 1}-char signature`, valid.slice(0, -1)],
    [`${valid.length + 1}-char signature`, `${valid}0`],
    ['64 KiB signature', 'a'.repeat(OVERSIZED_HEADER_BYTES)],
  ];
}

/** The same for base64 signatures: empty, not base64, one byte short, oversized. */
export function base64SignatureVariants(valid: string): Array<[name: string, value: string]> {
  const bytes = Buffer.from(valid, 'base64');
  return [
    ['empty signature', ''],
    ['non-base64 signature', '!'.repeat(valid.length)],
    [`${bytes.length - 1}-byte signature`, bytes.subarray(0, -1).toString('base64')],
    ['64 KiB signature', 'A'.repeat(OVERSIZED_HEADER_BYTES)],
  ];
}

/** Random bytes rendered like `template`: same prefix, same length, same alphabet where it matters. */
export function lookalikeSecret(secret: string, prefix = ''): string {
  const body = secret.startsWith(prefix) ? secret.slice(prefix.length) : secret;
  const alphabet = /^[0-9a-f]+$/i.test(body) ? 'hex' : 'base64';
  const fresh = randomBytes(Math.max(16, body.length)).toString(alphabet).slice(0, Math.max(16, body.length));
  return `${prefix}${fresh}`;
}
