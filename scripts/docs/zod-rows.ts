// Walks a zod schema into the rows of an options table: each leaf (and each object that has no
// fields of its own to list) with its path, type, default and description.
import type { z } from 'zod';
import type { TypeDocs } from './ts-docs.ts';

export interface OptionRow {
  /** `load.routes[].method`, `stack.services.<name>.role`. */
  path: string;
  type: string;
  /** In markdown (a code span), or '' when unset by default. */
  default: string;
  description: string;
}

type Def = { type: string; [key: string]: unknown };
type Schema = z.core.$ZodType;

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;
const descriptionOf = (schema: Schema): string => (schema as { description?: string }).description ?? '';

interface Unwrapped {
  core: Schema;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  description: string;
}

/** Looks through optional, default, nullable and transform wrappers to the schema that has a shape. */
function unwrap(schema: Schema): Unwrapped {
  const out: Unwrapped = {
    core: schema,
    nullable: false,
    hasDefault: false,
    defaultValue: undefined,
    description: '',
  };
  for (;;) {
    out.description ||= descriptionOf(out.core);
    const def = defOf(out.core);
    if (def.type === 'optional' || def.type === 'readonly' || def.type === 'nonoptional') {
      out.core = def.innerType as Schema;
    } else if (def.type === 'default' || def.type === 'prefault') {
      if (!out.hasDefault) {
        out.hasDefault = true;
        out.defaultValue = def.defaultValue;
      }
      out.core = def.innerType as Schema;
    } else if (def.type === 'nullable') {
      out.nullable = true;
      out.core = def.innerType as Schema;
    } else if (def.type === 'pipe') {
      out.core = def.in as Schema;
    } else {
      return out;
    }
  }
}

function bounds(def: Def): string[] {
  const parts: string[] = [];
  for (const check of (def.checks as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []) {
    const c = check._zod.def;
    if (c.check === 'greater_than') parts.push(`${c.inclusive ? '≥' : '>'} ${c.value}`);
    if (c.check === 'less_than') parts.push(`${c.inclusive ? '≤' : '<'} ${c.value}`);
    if (c.check === 'min_length' && Number(c.minimum) > 0) parts.push(`at least ${c.minimum}`);
  }
  return parts;
}

/** A short type: `integer > 0, ≤ 64`, `'local' \| 'compose'`, `string[]`, `function`. */
export function typeOf(schema: Schema): string {
  const { core, nullable } = unwrap(schema);
  const def = defOf(core);
  let type: string;
  switch (def.type) {
    case 'string': {
      const format = (core as { format?: string | null }).format;
      type = format === 'url' ? 'URL' : 'string';
      break;
    }
    case 'number': {
      const format = (core as { format?: string | null }).format;
      const range = bounds(def).filter((b) => !/^(≥|>) -?9007199254740991$|^(≤|<) 9007199254740991$/.test(b));
      const base = format === 'safeint' || format === 'int32' ? 'integer' : 'number';
      type = range.length > 0 ? `${base} ${range.join(', ')}` : base;
      break;
    }
    case 'boolean':
      type = 'boolean';
      break;
    case 'literal':
      type = (def.values as unknown[]).map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' | ');
      break;
    case 'enum':
      type = Object.values(def.entries as Record<string, string>)
        .map((v) => `'${v}'`)
        .join(' | ');
      break;
    case 'array': {
      const element = typeOf(def.element as Schema);
      type = `${element.includes(' ') ? `(${element})` : element}[]`;
      break;
    }
    case 'record':
      type = `{ [name]: ${typeOf(def.valueType as Schema)} }`;
      break;
    case 'object':
      type = 'object';
      break;
    case 'union':
      type = [...new Set((def.options as Schema[]).map(typeOf))].join(' | ');
      break;
    case 'custom': {
      // A custom check says what it wants only in its message: 'expected a function returning headers'.
      const message = String((def.error as ((issue: object) => unknown) | undefined)?.({}) ?? '');
      type = /function/.test(message) ? 'function' : 'object';
      break;
    }
    case 'unknown':
    case 'any':
      type = 'any';
      break;
    default:
      type = def.type;
  }
  return nullable ? `${type} | null` : type;
}

/** A default as it would be written in a config file: `{ live: '/livez', withinMs: 1000 }`. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${literal(v)}`,
    );
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

function formatDefault(value: unknown): string {
  return value === undefined ? '' : `\`${literal(value)}\``;
}

/** Every row of `schema` under `prefix`; `keys` are the path for `docs` (`[]` arrays, `*` records). */
export function optionRows(schema: Schema, docs: TypeDocs, prefix = '', keys: string[] = []): OptionRow[] {
  const { core, hasDefault, defaultValue, description } = unwrap(schema);
  const def = defOf(core);
  const row = (): OptionRow => ({
    path: prefix,
    type: typeOf(schema),
    default: hasDefault ? formatDefault(defaultValue) : '',
    description: description || (keys.length > 0 ? docs.describe(keys) : ''),
  });
  const fields = (object: Schema, at: string, atKeys: string[]): OptionRow[] =>
    Object.entries((defOf(object).shape as Record<string, Schema>) ?? {}).flatMap(([name, child]) =>
      optionRows(child, docs, at ? `${at}.${name}` : name, [...atKeys, name]),
    );

  if (def.type === 'object') {
    const children = fields(core, prefix, keys);
    // A section with fields: its own row only when it says something the fields do not.
    const own = row();
    return prefix && (own.description || children.length === 0)
      ? [{ ...own, default: '' }, ...children]
      : children;
  }
  const objects = (schemas: Schema[]) => schemas.filter((s) => defOf(unwrap(s).core).type === 'object');
  if (def.type === 'array' && objects([def.element as Schema]).length > 0)
    return [row(), ...fields(unwrap(def.element as Schema).core, `${prefix}[]`, [...keys, '[]'])];
  if (def.type === 'record' && objects([def.valueType as Schema]).length > 0)
    return [row(), ...fields(unwrap(def.valueType as Schema).core, `${prefix}.<name>`, [...keys, '*'])];
  if (def.type === 'union' && objects(def.options as Schema[]).length > 0) {
    const discriminator = def.discriminator as string | undefined;
    const variants = objects(def.options as Schema[]).flatMap((option) => {
      const object = unwrap(option).core;
      const tag = discriminator && defOf((defOf(object).shape as Record<string, Schema>)[discriminator]);
      const value = tag ? String((tag.values as unknown[])[0]) : '';
      const which = tag ? `(${discriminator}: '${value}')` : '';
      return fields(object, prefix, tag ? [...keys, `${discriminator}=${value}`] : keys)
        .filter((r) => !discriminator || r.path !== `${prefix}.${discriminator}`)
        .map((r) => ({
          ...r,
          description: which ? `*${which}* ${r.description}`.trim() : r.description,
        }));
    });
    if (!discriminator) return [row(), ...variants];
    const kinds = objects(def.options as Schema[]).map((option) =>
      typeOf((defOf(unwrap(option).core).shape as Record<string, Schema>)[discriminator]),
    );
    const tagRow: OptionRow = {
      path: `${prefix}.${discriminator}`,
      type: kinds.join(' | '),
      default: hasDefault ? formatDefault((defaultValue as Record<string, unknown>)[discriminator]) : '',
      description: `which form of \`${prefix}\`: the rows marked with a ${discriminator} apply to that form only`,
    };
    const own = row();
    return [...(own.description ? [{ ...own, default: '' }] : []), tagRow, ...variants];
  }
  return [row()];
}

/** A table cell: pipes escaped, and `<` outside code spans, which markdown would read as HTML. */
export const cell = (text: string): string =>
  text
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replaceAll('<', '&lt;') : part))
    .join('`')
    .replaceAll('|', '\\|')
    .replace(/\s*\n\s*/g, ' ');

/** The rows as a markdown table. */
export function optionTable(rows: readonly OptionRow[]): string {
  const lines = ['| option | type | default | what it is |', '| --- | --- | --- | --- |'];
  for (const r of rows)
    lines.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default) || '—'} | ${cell(r.description)} |`);
  return lines.join('\n');
}
