import { sample } from 'openapi-sampler';
import type { ApiSpec } from '../openapi/load.ts';
import { isJsonMediaType } from '../openapi/media-type.ts';
import type { MediaTypeSpec, Operation, Parameter } from '../openapi/operations.ts';
import { getAtPointer, isObject, splitPointer } from '../openapi/pointer.ts';
import { type ContractRequest, cloneRequest, emptyRequest } from './request.ts';
import type { ValuePool } from './values.ts';

export interface GeneratedRequest {
  request: ContractRequest;
  /** How it was made, for the report: `example "full"`, `generated from the schema`. */
  label: string;
}

/**
 * Requests the spec says must work: one per documented example (up to `maxExamples`), then one
 * generated from the schema if it differs. Parameters come from the run's ids first (so paths
 * address real resources), then examples, then the schema; optional ones only when they have examples.
 */
export function positiveRequests(
  spec: ApiSpec,
  op: Operation,
  pool: ValuePool,
  maxExamples: number,
): GeneratedRequest[] {
  const base = baseRequest(spec, op, pool);
  const media = preferredMediaType(op.requestBody?.content ?? []);
  if (!op.requestBody || !media) return [{ request: base, label: 'the documented parameters' }];
  const variants = media.examples
    .slice(0, maxExamples)
    .map((e) => ({ value: e.value, label: `example "${e.name}"` }));
  const generated = media.schemaPointer ? sampleValue(spec, media.schemaPointer) : undefined;
  if (generated !== undefined && !variants.some((v) => sameValue(v.value, generated)))
    variants.push({ value: generated, label: 'generated from the schema' });
  if (variants.length === 0)
    variants.push({ value: op.requestBody.required ? {} : undefined, label: 'an empty body' });
  return variants.map(({ value, label }) => {
    const request = cloneRequest(base);
    request.body = withKnownIds(structuredClone(value), pool);
    request.mediaType = request.body === undefined ? undefined : media.mediaType;
    return { request, label };
  });
}

/** Path, query, header and cookie values of a positive request (no body). */
export function baseRequest(spec: ApiSpec, op: Operation, pool: ValuePool): ContractRequest {
  const request = emptyRequest(op);
  for (const param of op.parameters) {
    const value = parameterValue(spec, op, param, pool);
    if (value === undefined) continue;
    if (param.in === 'path') request.pathParams[param.name] = flat(value);
    else if (param.in === 'query')
      request.query[param.name] = Array.isArray(value) && param.explode ? value : flat(value);
    else if (param.in === 'header') request.headers[param.name] = flat(value);
    else request.cookies[param.name] = flat(value);
  }
  return request;
}

function parameterValue(
  spec: ApiSpec,
  op: Operation,
  param: Parameter,
  pool: ValuePool,
): string | string[] | undefined {
  if (param.in === 'path') {
    const known = pool.pathValue(op, param.name);
    if (known !== undefined) return known;
  }
  const example = param.examples[0]?.value;
  if (example !== undefined) return wire(example);
  if (!param.required || !param.schemaPointer) return undefined;
  const generated = sampleValue(spec, param.schemaPointer);
  return generated === undefined ? undefined : wire(generated);
}

/** JSON first: it is what the harness can generate and validate best. */
export function preferredMediaType(content: readonly MediaTypeSpec[]): MediaTypeSpec | undefined {
  return content.find((c) => isJsonMediaType(c.mediaType)) ?? content[0];
}

/**
 * A value for a schema from the sampler (examples, defaults, formats, patterns; deterministic), checked
 * against the request-direction schema. Optional properties the sampler got wrong are dropped;
 * a value that still fails is not used.
 */
export function sampleValue(spec: ApiSpec, pointer: string): unknown {
  let value: unknown;
  try {
    value = sample(
      getAtPointer(spec.document, pointer) as object,
      { skipReadOnly: true, quiet: true, enablePatterns: true },
      spec.document,
    );
  } catch {
    return undefined;
  }
  const issues = spec.validator.validate('request', pointer, value);
  if (issues.length === 0) return value;
  if (!isObject(value)) return undefined;
  const broken = new Set(issues.map((i) => splitPointer(i.path)[0]));
  const repaired = Object.fromEntries(Object.entries(value).filter(([k]) => !broken.has(k)));
  return spec.validator.isValid('request', pointer, repaired) ? repaired : undefined;
}

/** Replaces `…Id` fields with ids the run created, so a token is asked for a session that exists. */
function withKnownIds(body: unknown, pool: ValuePool): unknown {
  if (!isObject(body)) return body;
  for (const key of Object.keys(body)) {
    const known = pool.fieldValue(key);
    if (known !== undefined && typeof body[key] === 'string') body[key] = known;
  }
  return body;
}

function wire(value: unknown): string | string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function flat(value: string | string[]): string {
  return Array.isArray(value) ? value.join(',') : value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
