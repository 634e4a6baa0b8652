import { isJsonMediaType } from './media-type.ts';
import type { HeaderSpec } from './operations.ts';
import { getAtPointer, isObject, refToPointer } from './pointer.ts';

type Kind = 'array' | 'object' | 'integer' | 'number' | 'boolean' | 'string';

/**
 * Turns a header's text into the value its schema describes, the way OpenAPI's `simple` style
 * serializes it: `1,2,3` for arrays, `a,1,b,2` (or `a=1,b=2` exploded) for objects, numbers and
 * booleans parsed. Text that does not parse stays a string so validation reports it as such.
 */
export function deserializeHeader(
  raw: string,
  header: HeaderSpec,
  schema: unknown,
  document: unknown,
): unknown {
  if (header.mediaType) {
    if (!isJsonMediaType(header.mediaType)) return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  const resolved = deref(schema, document);
  const kind = kindOf(resolved, document);
  const value = raw.trim();
  if (kind === 'array') {
    const items = isObject(resolved) ? resolved.items : undefined;
    return value === ''
      ? []
      : value.split(',').map((item) => primitive(item.trim(), kindOf(deref(items, document), document)));
  }
  if (kind === 'object') return toObject(value, header.explode, resolved, document);
  return primitive(value, kind);
}

function toObject(
  value: string,
  explode: boolean,
  schema: unknown,
  document: unknown,
): Record<string, unknown> {
  const parts = value.split(',').map((p) => p.trim());
  const entries: [string, string][] = explode
    ? parts.map((p) => {
        const eq = p.indexOf('=');
        return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      })
    : parts.flatMap((p, i) => (i % 2 === 0 ? [[p, parts[i + 1] ?? ''] as [string, string]] : []));
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  return Object.fromEntries(
    entries.map(([k, v]) => [k, primitive(v, kindOf(deref(properties[k], document), document))]),
  );
}

function primitive(value: string, kind: Kind | undefined): unknown {
  if ((kind === 'integer' || kind === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value))
    return Number(value);
  if (kind === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function deref(schema: unknown, document: unknown): unknown {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 16; hops++) {
    const pointer = refToPointer(node.$ref);
    node = pointer === undefined ? undefined : getAtPointer(document, pointer);
  }
  return node;
}

function kindOf(schema: unknown, document: unknown): Kind | undefined {
  if (!isObject(schema)) return undefined;
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t && t !== 'null');
  if (types.length > 0) return types[0] as Kind;
  // A 3.0 nullable wrapper or any other composition: the first branch that says what it is.
  for (const branch of [...asArray(schema.anyOf), ...asArray(schema.oneOf), ...asArray(schema.allOf)]) {
    const kind = kindOf(deref(branch, document), document);
    if (kind) return kind;
  }
  if (isObject(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
