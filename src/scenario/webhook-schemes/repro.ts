import { type CurlInput, quote, toCurl } from '../../http/curl.ts';
import type { Redactor } from '../../run/redact.ts';
import { type WebhookSchemeName, webhookSchemes } from './index.ts';

/** The header that carries the signature, and its value, for one delivery signed now. */
export function signedHeader(
  schemeName: WebhookSchemeName,
  input: { secret: string; body: Buffer; timestampSec: number; id: string },
): { name: string; value: string } {
  const scheme = webhookSchemes[schemeName];
  const signature = scheme.signature(input);
  const headers = scheme.headers({
    id: input.id,
    timestampSec: input.timestampSec,
    signatures: [signature],
    eventType: 'event',
  });
  const found = Object.entries(headers).find(([, value]) => value.includes(signature));
  if (!found) throw new Error(`webhook scheme ${schemeName} has no header carrying the signature`);
  return { name: found[0], value: found[1] };
}

export interface SignedDelivery {
  scheme: WebhookSchemeName;
  /** The config's secret name (`WEBHOOK_SECRET`); the repro reads it from SHAKEDOWN_<name>. */
  secretName: string;
  id: string;
  timestampSec: number;
  /** Seconds between the delivery's timestamp and the moment it was sent (negative: stale). */
  ageOffsetSec: number;
  body: Buffer;
}

export function secretEnvName(secretName: string): string {
  const upper = secretName.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return upper.startsWith('SHAKEDOWN_') ? upper : `SHAKEDOWN_${upper}`;
}

/**
 * A curl line that re-sends a correctly signed delivery with a fresh signature: the body goes to
 * body.json, the timestamp is now (shifted as the original was), and the signature header comes from
 * `npx shakedown webhook sign`, which reads the secret from SHAKEDOWN_<secretName>. Nothing secret
 * is in the line.
 */
export function signedDeliveryCurl(
  request: CurlInput & { headers: Record<string, string> },
  delivery: SignedDelivery,
  redactor: Redactor,
): string {
  const { name: signatureHeader } = signedHeader(delivery.scheme, {
    secret: 'placeholder-secret-xxxxxxxx',
    body: delivery.body,
    timestampSec: delivery.timestampSec,
    id: delivery.id,
  });
  const T = '__SHAKEDOWN_TIMESTAMP__';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.toLowerCase() === signatureHeader) continue;
    headers[name] = value === String(delivery.timestampSec) ? T : value;
  }
  const base = toCurl({ ...request, headers, body: undefined }, redactor).replace(
    new RegExp(`'([^']*): ${T}'`, 'g'),
    '"$1: $T"',
  );
  const sign = [
    'npx shakedown webhook sign',
    `--scheme ${delivery.scheme}`,
    `--secret-env ${secretEnvName(delivery.secretName)}`,
    '--body-file body.json',
    '--timestamp "$T"',
    `--id ${quote(delivery.id)}`,
  ].join(' ');
  const now =
    delivery.ageOffsetSec === 0
      ? '$(date +%s)'
      : `$(( $(date +%s) ${delivery.ageOffsetSec < 0 ? '-' : '+'} ${Math.abs(delivery.ageOffsetSec)} ))`;
  const body = redactor.text(delivery.body.toString('utf8'));
  return `printf '%s' ${quote(body)} > body.json && T=${now} && ${base} -H "${signatureHeader}: $(${sign})" --data-binary @body.json`;
}
