/**
 * A lenient reader for the Structured Field shapes rate-limit headers use (RFC 9651 lists and
 * dictionaries): `"name";r=5;t=30, "other";r=1` or `limit=10, remaining=5`. Lenient because servers
 * in the wild add spaces after `;` and mix tokens and strings; a strict parser would report "no
 * headers" where a user sees them plainly.
 */

export type SfValue = string | number | boolean;

export interface SfMember {
  /** The bare item of a list member, or the key of a dictionary member. */
  item: SfValue;
  /** The value of a dictionary member (`limit=10` → 10); `true` for a bare key. */
  value?: SfValue;
  params: Record<string, SfValue>;
}

/** `a;x=1, "b";y=2` → members with their parameters. */
export function parseList(text: string): SfMember[] {
  return splitOutsideQuotes(text, ',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const [head, ...params] = splitOutsideQuotes(part, ';');
      return { item: bareItem(head), params: parseParams(params) };
    });
}

/** `limit=10, remaining=5;w=60` → members keyed by name. */
export function parseDictionary(text: string): Map<string, SfMember> {
  const out = new Map<string, SfMember>();
  for (const part of splitOutsideQuotes(text, ',')) {
    if (part.trim() === '') continue;
    const [head, ...params] = splitOutsideQuotes(part, ';');
    const eq = head.indexOf('=');
    const key = (eq < 0 ? head : head.slice(0, eq)).trim().toLowerCase();
    out.set(key, {
      item: key,
      value: eq < 0 ? true : bareItem(head.slice(eq + 1)),
      params: parseParams(params),
    });
  }
  return out;
}

function parseParams(parts: readonly string[]): Record<string, SfValue> {
  const params: Record<string, SfValue> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key) params[key] = eq < 0 ? true : bareItem(part.slice(eq + 1));
  }
  return params;
}

function bareItem(raw: string): SfValue {
  const text = raw.trim();
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2)
    return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === '?1') return true;
  if (text === '?0') return false;
  return text;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
