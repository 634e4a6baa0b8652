import { DISCRIMINATOR_KEYWORD, type DiscriminatorRule } from './normalize.ts';
import { isObject, refToPointer, splitPointer } from './pointer.ts';
import type { SchemaValidator } from './validator.ts';

const MAX_DEPTH = 32;
const MAX_ITEMS = 100;

/**
 * Records which `oneOf`/`anyOf` branch (or discriminator tag) a valid response took at each choice
 * point, keyed `<schema pointer> (oneOf)`: the coverage of polymorphic responses.
 */
export function recordBranches(
  validator: SchemaValidator,
  pointer: string,
  data: unknown,
  into: Map<string, Set<string>>,
): void {
  const record = (node: object, kind: string, branch: string) => {
    const at = validator.pointerOf('response', node) ?? '?';
    const key = `${at} (${kind})`;
    const seen = into.get(key) ?? new Set<string>();
    into.set(key, seen.add(branch));
  };
  const walk = (schema: unknown, value: unknown, depth: number): void => {
    const node = resolve(validator, schema);
    if (!isObject(node) || depth > MAX_DEPTH) return;
    const rule = node[DISCRIMINATOR_KEYWORD] as DiscriminatorRule | undefined;
    if (rule && isObject(value)) {
      const tag = String(value[rule.propertyName]);
      const target = rule.tags[tag];
      if (target !== undefined) {
        record(node, 'discriminator', tag);
        walk(validator.schemaAt('response', target), value, depth + 1);
      }
    }
    for (const kind of ['oneOf', 'anyOf'] as const) {
      const branches = node[kind];
      if (!Array.isArray(branches)) continue;
      if (validator.isNullableWrapper('response', node)) {
        if (value !== null) walk(branches[0], value, depth + 1);
        continue;
      }
      branches.forEach((branch, i) => {
        const at = isObject(branch) ? validator.pointerOf('response', branch) : undefined;
        if (at === undefined || !validator.isValid('response', at, value)) return;
        record(node, kind, branchName(branch, i));
        walk(branch, value, depth + 1);
      });
    }
    for (const member of Array.isArray(node.allOf) ? node.allOf : []) walk(member, value, depth + 1);
    walkChildren(node, value, (sub, child) => walk(sub, child, depth + 1));
  };
  walk(validator.schemaAt('response', pointer), data, 0);
}

function walkChildren(
  node: Record<string, unknown>,
  value: unknown,
  visit: (schema: unknown, value: unknown) => void,
) {
  if (Array.isArray(value) && isObject(node.items)) {
    for (const item of value.slice(0, MAX_ITEMS)) visit(node.items, item);
    return;
  }
  if (!isObject(value)) return;
  const properties = isObject(node.properties) ? node.properties : {};
  for (const [key, child] of Object.entries(value)) {
    if (key in properties) visit(properties[key], child);
    else if (isObject(node.additionalProperties)) visit(node.additionalProperties, child);
  }
}

function resolve(validator: SchemaValidator, schema: unknown): unknown {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 16; hops++) {
    const pointer = refToPointer(node.$ref);
    node = pointer === undefined ? undefined : validator.schemaAt('response', pointer);
  }
  return node;
}

function branchName(branch: unknown, index: number): string {
  if (isObject(branch) && typeof branch.$ref === 'string') {
    const name = splitPointer(refToPointer(branch.$ref) ?? '').at(-1);
    if (name) return name;
  }
  return `#${index}`;
}
