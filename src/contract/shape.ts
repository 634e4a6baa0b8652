import type { ApiSpec } from '../openapi/load.ts';
import { isObject, refToPointer } from '../openapi/pointer.ts';

/** A request-direction schema with `$ref`s followed and a 3.0 nullable wrapper unwrapped. */
export function requestSchema(spec: ApiSpec, schema: unknown): unknown {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 16; hops++) {
    const pointer = refToPointer(node.$ref);
    node = pointer === undefined ? undefined : spec.validator.schemaAt('request', pointer);
  }
  if (isObject(node) && spec.validator.isNullableWrapper('request', node))
    return requestSchema(spec, (node.anyOf as unknown[])[0]);
  return node;
}

/** Properties and required names of an object schema, through `$ref`s and `allOf` members. */
export function objectShape(
  spec: ApiSpec,
  schema: unknown,
): { properties: Record<string, unknown>; required: string[] } {
  const shape = { properties: {} as Record<string, unknown>, required: [] as string[] };
  const visit = (node: unknown, depth: number) => {
    const resolved = requestSchema(spec, node);
    if (!isObject(resolved) || depth > 8) return;
    if (isObject(resolved.properties)) Object.assign(shape.properties, resolved.properties);
    if (Array.isArray(resolved.required)) shape.required.push(...(resolved.required as string[]));
    for (const member of Array.isArray(resolved.allOf) ? resolved.allOf : []) visit(member, depth + 1);
  };
  visit(schema, 0);
  return shape;
}

/** The one non-null JSON type a schema allows, if it names exactly one. */
export function singleType(spec: ApiSpec, schema: unknown): string | undefined {
  const node = requestSchema(spec, schema);
  if (!isObject(node)) return undefined;
  const types = (Array.isArray(node.type) ? node.type : [node.type]).filter(
    (t) => typeof t === 'string' && t !== 'null',
  );
  return types.length === 1 ? (types[0] as string) : undefined;
}
