/** Media types as RFC 9110 defines them: case-insensitive type/subtype, parameters, and wildcards. */

export interface MediaType {
  type: string;
  subtype: string;
  /** `type/subtype`, lower case, no parameters. */
  essence: string;
  params: Record<string, string>;
}

export function parseMediaType(value: string): MediaType | undefined {
  const [head, ...rest] = value.split(';');
  const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*$/.exec(head);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    params[name] = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  const type = match[1].toLowerCase();
  const subtype = match[2].toLowerCase();
  return { type, subtype, essence: `${type}/${subtype}`, params };
}

/**
 * The documented media type a response's `Content-Type` falls under: an exact match (with any
 * parameters the spec lists), then `type/*`, then `*\/*`. Undefined when none fits.
 */
export function matchMediaType(documented: readonly string[], actual: string): string | undefined {
  const received = parseMediaType(actual);
  if (!received) return undefined;
  let best: { key: string; score: number } | undefined;
  for (const key of documented) {
    const score = matchScore(parseMediaType(key), received);
    if (score > 0 && (!best || score > best.score)) best = { key, score };
  }
  return best?.key;
}

function matchScore(candidate: MediaType | undefined, received: MediaType): number {
  if (!candidate) return 0;
  const paramsMatch = Object.entries(candidate.params).every(
    ([name, value]) => received.params[name]?.toLowerCase() === value.toLowerCase(),
  );
  if (!paramsMatch) return 0;
  const specificity = Object.keys(candidate.params).length;
  if (candidate.essence === received.essence) return 100 + specificity;
  if (candidate.subtype === '*' && candidate.type === received.type) return 50 + specificity;
  if (candidate.essence === '*/*') return 10 + specificity;
  return 0;
}

export function isJsonMediaType(mediaType: string): boolean {
  const essence = parseMediaType(mediaType)?.essence ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

export function isTextMediaType(mediaType: string): boolean {
  return (parseMediaType(mediaType)?.type ?? '') === 'text';
}
