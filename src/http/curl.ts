import type { Redactor } from '../run/redact.ts';

export interface CurlInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address the request was sent from (`curl --interface`). */
  localAddress?: string;
}

/**
 * A shell command that reproduces a request. Secret headers become `$SHAKEDOWN_*` variables the user
 * exports (`Authorization: Bearer $SHAKEDOWN_TOKEN`), so the line can be pasted without leaking anything.
 */
export function toCurl(input: CurlInput, redactor: Redactor): string {
  const parts = ['curl', '-sS', '-i'];
  const method = input.method.toUpperCase();
  if (method !== 'GET' || input.body !== undefined) parts.push('-X', method);
  parts.push(quote(redactor.text(input.url)));
  if (input.localAddress) parts.push('--interface', input.localAddress);
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (name.toLowerCase() === 'content-length' || name.toLowerCase() === 'host') continue;
    parts.push(
      '-H',
      redactor.isSensitiveName(name) ? secretHeader(name, value) : quote(`${name}: ${redactor.text(value)}`),
    );
  }
  if (input.body !== undefined && input.body !== '')
    parts.push('--data-binary', quote(redactor.text(input.body)));
  return parts.join(' ');
}

export function secretVariable(headerName: string): string {
  if (headerName.toLowerCase() === 'authorization') return 'SHAKEDOWN_TOKEN';
  return `SHAKEDOWN_${headerName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function secretHeader(name: string, value: string): string {
  const variable = secretVariable(name);
  const scheme = /^(Bearer|Basic|Token)\s/i.exec(value)?.[1];
  return `"${name}: ${scheme ? `${scheme} ` : ''}$${variable}"`;
}

/** POSIX single quoting: everything literal, embedded quotes closed and reopened. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
