import { getAtPointer, isObject, joinPointer, refToPointer, splitPointer } from './pointer.ts';
import {
  NOT_SCHEMA_BEARING,
  SCHEMA_ARRAY_KEYWORDS,
  SCHEMA_KEYWORDS,
  SCHEMA_MAP_KEYWORDS,
} from './schema-walk.ts';

export type SpecVersion = '3.0' | '3.1';
/** Requests and responses see different schemas: `readOnly` and `writeOnly` cut both ways. */
export type Direction = 'request' | 'response';

/** Keyword the response direction puts where a `writeOnly` property was; it always fails. */
export const WRITE_ONLY_KEYWORD = 'x-shakedown-write-only';
/** Keyword that replaces `oneOf`/`anyOf` + `discriminator`: the tag picks the one branch to validate. */
export const DISCRIMINATOR_KEYWORD = 'x-shakedown-discriminator';

export interface DiscriminatorRule {
  propertyName: string;
  /** tag value → pointer of the branch schema in the (normalized) document. */
  tags: Record<string, string>;
}

export interface NormalizedDocument {
  /** The document with every schema rewritten as plain JSON Schema 2020-12 for one direction. */
  document: Record<string, unknown>;
  /** normalized schema object → the schema object of the bundled document it came from. */
  origins: WeakMap<object, object>;
  /** normalized schema object → its pointer in `document`. */
  pointers: WeakMap<object, string>;
  /** `anyOf [schema, {type: null}]` wrappers made from 3.0 `nullable`: never "closest branch" material. */
  nullableWrappers: WeakSet<object>;
  formats: Set<string>;
}

interface State extends NormalizedDocument {
  version: SpecVersion;
  direction: Direction;
  bundled: unknown;
}

// Not JSON Schema: OpenAPI annotations, handled keywords, and nested dialect/base-URI switches that would
// make ajv resolve the bundled `#/components/...` refs against the wrong base.
const DROPPED = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable', '$schema', '$id']);
const COMPOSITION = ['allOf', 'anyOf', 'oneOf', 'not', DISCRIMINATOR_KEYWORD];

/**
 * Rewrites an OpenAPI document's schemas into what ajv validates correctly: OpenAPI 3.0 semantics
 * made explicit (`nullable`, boolean `exclusiveMinimum`, `$ref` siblings ignored), OpenAPI-only
 * keywords removed, `discriminator` turned into tag dispatch, and `readOnly`/`writeOnly` applied
 * for one direction. The document keeps its shape, so pointers into the spec stay valid.
 */
export function normalizeDocument(
  bundled: Record<string, unknown>,
  version: SpecVersion,
  direction: Direction,
): NormalizedDocument {
  const state: State = {
    version,
    direction,
    bundled,
    document: {},
    origins: new WeakMap(),
    pointers: new WeakMap(),
    nullableWrappers: new WeakSet(),
    formats: new Set(),
  };
  state.document = copyDocument(bundled, '', state) as Record<string, unknown>;
  return state;
}

function copyDocument(node: unknown, pointer: string, state: State): unknown {
  if (Array.isArray(node)) return node.map((item, i) => copyDocument(item, joinPointer(pointer, i), state));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = joinPointer(pointer, key);
    if (key.startsWith('x-') || NOT_SCHEMA_BEARING.has(key)) out[key] = value;
    else if (key === 'schema' && isObject(value)) out[key] = convertSchema(value, at, state);
    else if (key === 'schemas' && pointer === '/components' && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, convertSchema(s, joinPointer(at, name), state)]),
      );
    } else out[key] = copyDocument(value, at, state);
  }
  return out;
}

function convertSchema(node: unknown, pointer: string, state: State): unknown {
  if (!isObject(node)) return node;
  // OpenAPI 3.0: "properties adjacent to a $ref are ignored".
  if (state.version === '3.0' && typeof node.$ref === 'string')
    return record({ $ref: node.$ref }, node, pointer, state);

  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED.has(key)) continue;
    out[key] = convertKeyword(key, value, joinPointer(pointer, key), state);
  }
  if (state.version === '3.0') exclusiveBoundsToNumbers(out);
  if (typeof out.format === 'string') state.formats.add(out.format);
  applyDirection(out, node, pointer, state);
  const discriminator = discriminatorRule(node, state);
  if (discriminator) {
    delete out.oneOf;
    delete out.anyOf;
    out[DISCRIMINATOR_KEYWORD] = discriminator;
  }
  if (state.version === '3.0' && node.nullable === true && node.type !== undefined)
    return makeNullable(out, node, pointer, state);
  return record(out, node, pointer, state);
}

function convertKeyword(key: string, value: unknown, pointer: string, state: State): unknown {
  if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, s]) => [name, convertSchema(s, joinPointer(pointer, name), state)]),
    );
  }
  if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value))
    return value.map((s, i) => convertSchema(s, joinPointer(pointer, i), state));
  if (SCHEMA_KEYWORDS.has(key)) {
    return Array.isArray(value)
      ? value.map((s, i) => convertSchema(s, joinPointer(pointer, i), state))
      : convertSchema(value, pointer, state);
  }
  return value;
}

function record(out: Record<string, unknown>, origin: object, pointer: string, state: State) {
  state.origins.set(out, origin);
  state.pointers.set(out, pointer);
  return out;
}

/** OpenAPI 3.0 (draft-05 style) `exclusiveMinimum: true` + `minimum: n` → 2020-12 `exclusiveMinimum: n`. */
function exclusiveBoundsToNumbers(out: Record<string, unknown>): void {
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true && typeof out[bound] === 'number') {
      out[exclusive] = out[bound];
      delete out[bound];
    } else delete out[exclusive];
  }
}

/**
 * 3.0 `nullable: true` (which only counts next to `type`): null is one more allowed value. Without
 * composition keywords the schema stays in place with `null` added to `type` and `enum`; with them it
 * becomes `anyOf [schema, {type: null}]`.
 */
function makeNullable(out: Record<string, unknown>, origin: object, pointer: string, state: State) {
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (!COMPOSITION.some((k) => k in out)) {
    const types = Array.isArray(out.type) ? out.type : [out.type];
    out.type = types.includes('null') ? types : [...types, 'null'];
    return record(out, origin, pointer, state);
  }
  const wrapper = { anyOf: [out, { type: 'null' }] };
  state.nullableWrappers.add(wrapper);
  record(out, origin, joinPointer(pointer, 'anyOf', 0), state);
  return record(wrapper, origin, pointer, state);
}

function applyDirection(
  out: Record<string, unknown>,
  node: Record<string, unknown>,
  pointer: string,
  state: State,
) {
  const properties = isObject(node.properties) ? node.properties : undefined;
  if (!properties) return;
  const flag = state.direction === 'request' ? 'readOnly' : 'writeOnly';
  const flagged = Object.keys(properties).filter((name) => hasFlag(properties[name], flag, state, 0));
  if (flagged.length === 0) return;
  if (Array.isArray(out.required))
    out.required = out.required.filter((name) => !flagged.includes(name as string));
  if (state.direction === 'response') {
    const converted = { ...(out.properties as Record<string, unknown>) };
    for (const name of flagged) {
      const marker = { [WRITE_ONLY_KEYWORD]: true };
      converted[name] = record(
        marker,
        properties[name] as object,
        joinPointer(pointer, 'properties', name),
        state,
      );
    }
    out.properties = converted;
  }
}

/** `readOnly`/`writeOnly` on the property, behind its `$ref` chain, or on an `allOf` member. */
function hasFlag(schema: unknown, flag: 'readOnly' | 'writeOnly', state: State, depth: number): boolean {
  if (!isObject(schema) || depth > 16) return false;
  const ref = typeof schema.$ref === 'string' ? resolveRef(schema.$ref, state) : undefined;
  if (ref !== undefined && state.version === '3.0') return hasFlag(ref, flag, state, depth + 1);
  if (schema[flag] === true) return true;
  if (ref !== undefined && hasFlag(ref, flag, state, depth + 1)) return true;
  return Array.isArray(schema.allOf) && schema.allOf.some((s) => hasFlag(s, flag, state, depth + 1));
}

function resolveRef(ref: string, state: State): unknown {
  const pointer = refToPointer(ref);
  return pointer === undefined ? undefined : getAtPointer(state.bundled, pointer);
}

/** Tag → branch pointer from `mapping`, plus implicit component names for branches not mapped. */
function discriminatorRule(node: Record<string, unknown>, state: State): DiscriminatorRule | undefined {
  const discriminator = node.discriminator;
  const branches = node.oneOf ?? node.anyOf;
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string' || !Array.isArray(branches))
    return undefined;
  const tags: Record<string, string> = {};
  const mapped = new Set<string>();
  for (const [tag, target] of Object.entries(isObject(discriminator.mapping) ? discriminator.mapping : {})) {
    const pointer = typeof target === 'string' ? mappingPointer(target) : undefined;
    if (pointer === undefined || getAtPointer(state.bundled, pointer) === undefined) continue;
    tags[tag] = pointer;
    mapped.add(pointer);
  }
  for (const branch of branches) {
    const pointer =
      isObject(branch) && typeof branch.$ref === 'string' ? refToPointer(branch.$ref) : undefined;
    if (pointer === undefined || mapped.has(pointer)) continue;
    const name = splitPointer(pointer).at(-1);
    if (name !== undefined && !(name in tags)) tags[name] = pointer;
  }
  return { propertyName: discriminator.propertyName, tags };
}

/** A mapping value is a reference (`#/components/schemas/Cat`) or a bare component name (`Cat`). */
export function mappingPointer(target: string): string | undefined {
  if (target.startsWith('#')) return refToPointer(target);
  if (/^[A-Za-z0-9._-]+$/.test(target)) return joinPointer('/components/schemas', target);
  return undefined;
}
