import { preview } from '../openapi/issues.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Operation, Parameter } from '../openapi/operations.ts';
import { isObject } from '../openapi/pointer.ts';
import { preferredMediaType } from './generate.ts';
import { type ContractRequest, cloneRequest } from './request.ts';
import { objectShape, requestSchema, singleType } from './shape.ts';

export type NegativeCategory = 'missing-required' | 'wrong-type' | 'out-of-range';

export interface NegativeCase {
  category: NegativeCategory;
  request: ContractRequest;
  /** What was broken: `body property "language" as a number (schema: string)`. */
  label: string;
}

type Schema = Record<string, unknown>;
type Candidate = { value: unknown; why: string };

const FORMAT_VIOLATIONS: Record<string, string> = {
  uuid: 'not-a-uuid',
  'date-time': 'not-a-date-time',
  date: 'not-a-date',
  email: 'not-an-email',
  uri: 'not a uri',
  ipv4: '999.1.1.1',
};
const PATTERN_VIOLATIONS = ['!', '', ' ', '~~', '0'];
const MAX_GENERATED_LENGTH = 100_000;

/**
 * Up to three requests the target must refuse with a 4xx, each one valid request with one thing broken:
 * a required field missing, a field of the wrong type, a value out of range. Each mutation is
 * checked against the spec to really be invalid; categories with nothing to break are left out.
 */
export function negativeRequests(spec: ApiSpec, op: Operation, base: ContractRequest): NegativeCase[] {
  const cases: NegativeCase[] = [];
  const body = bodyMutations(spec, op, base);
  const params = paramMutations(spec, op, base);
  for (const category of ['missing-required', 'wrong-type', 'out-of-range'] as const) {
    const found = [...body, ...params].find((c) => c.category === category);
    if (found) cases.push(found);
  }
  return cases;
}

function bodyMutations(spec: ApiSpec, op: Operation, base: ContractRequest): NegativeCase[] {
  const media = preferredMediaType(op.requestBody?.content ?? []);
  const pointer = media?.schemaPointer;
  if (!pointer || !isObject(base.body)) return [];
  const body = base.body;
  const shape = objectShape(spec, spec.validator.schemaAt('request', pointer));
  const cases: NegativeCase[] = [];
  const variant = (category: NegativeCategory, mutated: Record<string, unknown>, label: string) => {
    if (spec.validator.isValid('request', pointer, mutated)) return false;
    const request = cloneRequest(base);
    request.body = mutated;
    cases.push({ category, request, label });
    return true;
  };
  for (const name of shape.required) {
    if (!(name in body)) continue;
    const { [name]: _removed, ...rest } = body;
    if (variant('missing-required', rest, `body without the required property "${name}"`)) break;
  }
  for (const [name, schema] of Object.entries(shape.properties)) {
    const type = singleType(spec, schema);
    if (
      type &&
      variant(
        'wrong-type',
        { ...body, [name]: wrongValue(type) },
        `body property "${name}" with a wrong type (schema: ${type})`,
      )
    )
      break;
  }
  outer: for (const [name, schema] of Object.entries(shape.properties)) {
    for (const candidate of outOfRange(spec, schema, body[name])) {
      if (
        variant(
          'out-of-range',
          { ...body, [name]: candidate.value },
          `body property "${name}" = ${preview(candidate.value)} (${candidate.why})`,
        )
      )
        break outer;
    }
  }
  return cases;
}

function paramMutations(spec: ApiSpec, op: Operation, base: ContractRequest): NegativeCase[] {
  const cases: NegativeCase[] = [];
  const ordered = [...op.parameters].sort((a, b) => rank(a) - rank(b));
  for (const param of ordered) {
    const current = currentValue(base, param);
    if (current === undefined) continue;
    if (param.required && param.in !== 'path')
      cases.push(mutate(base, param, undefined, 'missing-required', `without the required ${where(param)}`));
    const schema = param.schemaPointer ? spec.validator.schemaAt('request', param.schemaPointer) : undefined;
    const type = singleType(spec, schema);
    if (type && type !== 'string')
      cases.push(
        mutate(
          base,
          param,
          wrongValue(type),
          'wrong-type',
          `${where(param)} with a wrong type (schema: ${type})`,
        ),
      );
    for (const candidate of outOfRange(spec, schema, current)) {
      if (spec.validator.isValid('request', param.schemaPointer!, candidate.value)) continue;
      const wire = typeof candidate.value === 'string' ? candidate.value : JSON.stringify(candidate.value);
      cases.push(
        mutate(
          base,
          param,
          wire,
          'out-of-range',
          `${where(param)} = ${preview(candidate.value)} (${candidate.why})`,
        ),
      );
      break;
    }
  }
  return cases;
}

function mutate(
  base: ContractRequest,
  param: Parameter,
  value: unknown,
  category: NegativeCategory,
  label: string,
): NegativeCase {
  const request = cloneRequest(base);
  const target =
    param.in === 'path'
      ? request.pathParams
      : param.in === 'query'
        ? request.query
        : param.in === 'header'
          ? request.headers
          : request.cookies;
  if (value === undefined) delete target[param.name];
  else target[param.name] = typeof value === 'string' ? value : JSON.stringify(value);
  return { category, request, label };
}

function currentValue(request: ContractRequest, param: Parameter): unknown {
  if (param.in === 'path') return request.pathParams[param.name];
  if (param.in === 'query') return request.query[param.name];
  if (param.in === 'header') return request.headers[param.name];
  return request.cookies[param.name];
}

function rank(param: Parameter): number {
  return ['query', 'path', 'header', 'cookie'].indexOf(param.in);
}

function where(param: Parameter): string {
  return `${param.in} parameter "${param.name}"`;
}

function wrongValue(type: string): unknown {
  if (type === 'string') return 12345;
  if (type === 'integer' || type === 'number') return 'not-a-number';
  if (type === 'boolean') return 'not-a-boolean';
  if (type === 'array') return 'not-an-array';
  return 'not-an-object';
}

/** Values just past the schema's bounds, most telling first. */
function outOfRange(spec: ApiSpec, schema: unknown, current: unknown): Candidate[] {
  const node = requestSchema(spec, schema) as Schema | undefined;
  if (!isObject(node)) return [];
  const out: Candidate[] = [];
  const num = (key: string) => (typeof node[key] === 'number' ? (node[key] as number) : undefined);
  if (num('maximum') !== undefined)
    out.push({ value: num('maximum')! + 1, why: `maximum ${num('maximum')}` });
  if (num('exclusiveMaximum') !== undefined)
    out.push({ value: num('exclusiveMaximum'), why: `exclusiveMaximum ${num('exclusiveMaximum')}` });
  if (num('minimum') !== undefined)
    out.push({ value: num('minimum')! - 1, why: `minimum ${num('minimum')}` });
  if (num('exclusiveMinimum') !== undefined)
    out.push({ value: num('exclusiveMinimum'), why: `exclusiveMinimum ${num('exclusiveMinimum')}` });
  const maxLength = num('maxLength');
  if (maxLength !== undefined && maxLength < MAX_GENERATED_LENGTH)
    out.push({ value: 'x'.repeat(maxLength + 1), why: `maxLength ${maxLength}` });
  if ((num('minLength') ?? 0) > 0) out.push({ value: '', why: `minLength ${num('minLength')}` });
  if (Array.isArray(node.enum))
    out.push({ value: typeof node.enum[0] === 'number' ? -987654 : 'not-in-enum', why: 'not in the enum' });
  if (typeof node.format === 'string' && FORMAT_VIOLATIONS[node.format])
    out.push({ value: FORMAT_VIOLATIONS[node.format], why: `format ${node.format}` });
  if (typeof node.pattern === 'string')
    for (const value of PATTERN_VIOLATIONS) out.push({ value, why: `pattern ${node.pattern}` });
  if (num('maxItems') !== undefined && Array.isArray(current) && current.length > 0)
    out.push({ value: Array(num('maxItems')! + 1).fill(current[0]), why: `maxItems ${num('maxItems')}` });
  if ((num('minItems') ?? 0) > 0) out.push({ value: [], why: `minItems ${num('minItems')}` });
  return out;
}
