import { isObject, joinPointer } from './pointer.ts';

/** Keywords whose value is a map of name → schema. */
export const SCHEMA_MAP_KEYWORDS: ReadonlySet<string> = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
/** Keywords whose value is one schema (`items` may also be an array in older dialects). */
export const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  'additionalProperties',
  'items',
  'additionalItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
]);
/** Keywords whose value is a list of schemas. */
export const SCHEMA_ARRAY_KEYWORDS: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

// Parts of a document that never hold schemas; skipping them keeps the walk cheap on large specs.
export const NOT_SCHEMA_BEARING: ReadonlySet<string> = new Set([
  'info',
  'servers',
  'tags',
  'externalDocs',
  'security',
  'securitySchemes',
  'links',
  'example',
  'examples',
]);

export type SchemaVisitor = (schema: Record<string, unknown>, pointer: string) => void;

/**
 * Visits every schema root of an OpenAPI document: component schemas and the `schema` of parameters,
 * headers and media types, wherever they sit (paths, components, callbacks, webhooks).
 */
export function forEachSchemaRoot(document: unknown, visit: SchemaVisitor): void {
  const walk = (node: unknown, pointer: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, joinPointer(pointer, i));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-') || NOT_SCHEMA_BEARING.has(key)) continue;
      const at = joinPointer(pointer, key);
      if (key === 'schema' && isObject(value)) visit(value, at);
      else if (key === 'schemas' && pointer === '/components' && isObject(value)) {
        for (const [name, schema] of Object.entries(value))
          if (isObject(schema)) visit(schema, joinPointer(at, name));
      } else walk(value, at);
    }
  };
  walk(document, '');
}

/** Visits the direct subschemas of a schema with the keyword path leading to each. */
export function forEachSubschema(
  schema: Record<string, unknown>,
  visit: (sub: unknown, path: readonly (string | number)[]) => void,
): void {
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) visit(sub, [key, name]);
    } else if (SCHEMA_ARRAY_KEYWORDS.has(key) && Array.isArray(value)) {
      for (const [i, sub] of value.entries()) visit(sub, [key, i]);
    } else if (SCHEMA_KEYWORDS.has(key)) {
      if (Array.isArray(value)) for (const [i, sub] of value.entries()) visit(sub, [key, i]);
      else visit(value, [key]);
    }
  }
}

/** Every schema reachable from a root (subschemas, depth first), each with its pointer; no `$ref` following. */
export function forEachSchemaDeep(
  root: Record<string, unknown>,
  rootPointer: string,
  visit: SchemaVisitor,
): void {
  const seen = new Set<object>();
  const walk = (schema: unknown, pointer: string): void => {
    if (!isObject(schema) || seen.has(schema)) return;
    seen.add(schema);
    visit(schema, pointer);
    forEachSubschema(schema, (sub, path) => walk(sub, joinPointer(pointer, ...path)));
  };
  walk(root, rootPointer);
}
