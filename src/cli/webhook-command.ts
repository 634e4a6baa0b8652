import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, type ExitCodeValue, ShakedownError } from '../errors.ts';
import { type WebhookSchemeName, webhookSchemes } from '../scenario/webhook-schemes/index.ts';
import { signedHeader } from '../scenario/webhook-schemes/repro.ts';
import type { ParsedArgs } from './args.ts';

const SCHEMES = Object.keys(webhookSchemes) as WebhookSchemeName[];

/**
 * `shakedown webhook sign --scheme stripe --secret-env SHAKEDOWN_WEBHOOK_SECRET --body-file body.json
 * [--timestamp <unix seconds>] [--id <delivery id>]`: prints the value of the scheme's signature
 * header for that body, so a webhook failure's curl line can be run as printed.
 */
export async function webhookCommand(args: ParsedArgs, out: (line: string) => void): Promise<ExitCodeValue> {
  const usage =
    "expected 'shakedown webhook sign --scheme <name> --secret-env <VAR> --body-file <file> [--timestamp <unix seconds>] [--id <id>]'";
  if (args.positionals[0] !== 'sign' || args.positionals.length > 1)
    throw new ShakedownError('SHK_USAGE', `${usage}.`);
  const { scheme, 'secret-env': secretEnv, 'body-file': bodyFile, timestamp, id } = args.flags;
  if (!scheme || !(SCHEMES as string[]).includes(scheme)) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--scheme ${scheme ?? '(missing)'}: expected one of ${SCHEMES.map((s) => `'${s}'`).join(' | ')}.`,
    );
  }
  if (!secretEnv) throw new ShakedownError('SHK_USAGE', `--secret-env is missing: ${usage}.`);
  const secret = process.env[secretEnv];
  if (!secret) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--secret-env ${secretEnv}: the variable is not set. Export it with the receiver's signing secret (export ${secretEnv}=whsec_...).`,
    );
  }
  if (!bodyFile) throw new ShakedownError('SHK_USAGE', `--body-file is missing: ${usage}.`);
  const file = path.resolve(bodyFile);
  if (!existsSync(file)) {
    throw new ShakedownError('SHK_USAGE', `--body-file ${file}: the file does not exist.`);
  }
  let timestampSec = Math.floor(Date.now() / 1000);
  if (timestamp !== undefined && timestamp !== 'now') {
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new ShakedownError('SHK_USAGE', `--timestamp ${timestamp}: expected unix seconds or 'now'.`);
    }
    timestampSec = Number(timestamp);
  }
  const header = signedHeader(scheme as WebhookSchemeName, {
    secret,
    body: readFileSync(file),
    timestampSec,
    id: id ?? `msg_${randomUUID().replaceAll('-', '')}`,
  });
  out(header.value);
  return ExitCode.Pass;
}
