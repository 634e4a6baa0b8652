import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseScenarioOptions } from '../builtin/options.ts';
import type { HeaderInput, HeaderVariant, WebhookScheme } from './types.ts';
import { base64SignatureVariants, hexSignatureVariants, lookalikeSecret } from './variants.ts';

const hmacOptionsSchema = z
  .strictObject({
    /** The header carrying the signature, e.g. `X-Signature`. */
    header: z.string().min(1),
    algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the signature value in the header, e.g. `sha256=`. */
    prefix: z.string().default(''),
    /** What is signed; `{body}` is the raw body, `{timestamp}` and `{id}` the headers below. */
    template: z.string().includes('{body}').default('{body}'),
    /** The header carrying the signed timestamp (Unix seconds); required when the template uses it. */
    timestampHeader: z.string().min(1).optional(),
    /** The header carrying the delivery id; required when the template uses it. */
    idHeader: z.string().min(1).optional(),
    /** How the secret string becomes the HMAC key. */
    secretEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
  })
  .refine((o) => !o.template.includes('{timestamp}') || o.timestampHeader, {
    message: 'a template with {timestamp} needs timestampHeader',
    path: ['timestampHeader'],
  })
  .refine((o) => !o.template.includes('{id}') || o.idHeader, {
    message: 'a template with {id} needs idHeader',
    path: ['idHeader'],
  });

export type HmacSchemeOptions = z.input<typeof hmacOptionsSchema>;

/**
 * A home-grown HMAC scheme, described instead of coded: which header, which hash and encoding,
 * and what is signed (`'{timestamp}.{body}'`). Covers most providers that are not one of the named
 * schemes.
 */
export function hmacScheme(options: HmacSchemeOptions): WebhookScheme {
  const o = parseScenarioOptions('hmacScheme', hmacOptionsSchema, options);
  const header = o.header.toLowerCase();
  const timestamped = o.template.includes('{timestamp}');
  const variants = o.encoding === 'hex' ? hexSignatureVariants : base64SignatureVariants;
  return {
    name: 'hmac',
    timestamped,
    multipleSignatures: false,
    acceptsFutureTimestamps: false,
    signature: ({ secret, body, timestampSec, id }) => {
      const [before, after] = o.template.split('{body}', 2);
      const fill = (text: string) =>
        text.replaceAll('{timestamp}', String(timestampSec)).replaceAll('{id}', id);
      return createHmac(o.algorithm, Buffer.from(secret, o.secretEncoding))
        .update(fill(before))
        .update(body)
        .update(fill(after))
        .digest(o.encoding);
    },
    headers: ({ id, timestampSec, signatures }) => ({
      [header]: `${o.prefix}${signatures[0]}`,
      ...(o.timestampHeader ? { [o.timestampHeader.toLowerCase()]: String(timestampSec) } : {}),
      ...(o.idHeader ? { [o.idHeader.toLowerCase()]: id } : {}),
    }),
    malformed(valid: HeaderInput) {
      const signature = valid.signatures[0];
      const out: HeaderVariant[] = [{ name: `no ${o.header} header`, headers: { [header]: undefined } }];
      if (o.prefix) out.push({ name: `signature without ${o.prefix}`, headers: { [header]: signature } });
      if (o.timestampHeader) {
        const name = o.timestampHeader.toLowerCase();
        out.push({ name: `no ${o.timestampHeader} header`, headers: { [name]: undefined } });
        out.push({ name: `${o.timestampHeader}: abc`, headers: { [name]: 'abc' } });
      }
      for (const [name, value] of variants(signature))
        out.push({ name, headers: { [header]: `${o.prefix}${value}` } });
      return out;
    },
    otherSecret: (secret) => lookalikeSecret(secret),
  };
}
