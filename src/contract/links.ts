import type { LinkSpec, Operation, ParameterLocation } from '../openapi/operations.ts';
import { getAtPointer, refToPointer } from '../openapi/pointer.ts';
import type { ContractRequest } from './request.ts';

/** What a runtime expression can read: the source request and its response. */
export interface LinkSource {
  url: string;
  request: ContractRequest;
  status: number;
  headers: Record<string, string>;
  json?: unknown;
}

/** A link with its values computed from one response, ready to call the target operation with. */
export interface LinkBinding {
  link: LinkSpec;
  source: Operation;
  target: Operation;
  params: { in: ParameterLocation; name: string; value: string }[];
  body?: unknown;
}

type Evaluated = { ok: true; value: unknown } | { ok: false; error: string };

/** The operation a link points at, by operationId or by a local operationRef. */
export function linkTarget(operations: readonly Operation[], link: LinkSpec): Operation | undefined {
  if (link.operationId) return operations.find((op) => op.operationId === link.operationId);
  const pointer = link.operationRef ? refToPointer(link.operationRef) : undefined;
  return pointer === undefined ? undefined : operations.find((op) => op.pointer === pointer);
}

/** Computes a link's parameters and body from a source exchange; an expression that yields nothing is an error. */
export function bindLink(
  link: LinkSpec,
  source: Operation,
  target: Operation,
  from: LinkSource,
): { binding: LinkBinding } | { error: string } {
  const params: LinkBinding['params'] = [];
  for (const [qualified, expression] of Object.entries(link.parameters)) {
    const [location, name] = splitQualified(qualified, target);
    const result = evaluate(expression, from);
    if (!result.ok) return { error: `parameter ${qualified} = ${String(expression)}: ${result.error}` };
    params.push({
      in: location,
      name,
      value: typeof result.value === 'string' ? result.value : JSON.stringify(result.value),
    });
  }
  const binding: LinkBinding = { link, source, target, params };
  if (link.requestBody !== undefined) {
    const body = evaluate(link.requestBody, from);
    if (!body.ok) return { error: `requestBody: ${body.error}` };
    binding.body = body.value;
  }
  return { binding };
}

/** `path.id` names its location; a bare `id` is looked up among the target's parameters (path first). */
function splitQualified(qualified: string, target: Operation): [ParameterLocation, string] {
  const match = /^(path|query|header|cookie)\.(.+)$/.exec(qualified);
  if (match) return [match[1] as ParameterLocation, match[2]];
  const order: ParameterLocation[] = ['path', 'query', 'header', 'cookie'];
  const found = order
    .map((location) => target.parameters.find((p) => p.in === location && p.name === qualified))
    .find(Boolean);
  return [found?.in ?? 'path', qualified];
}

/**
 * OpenAPI runtime expressions: `$url`, `$method`, `$statusCode`, `$request.{path,query,header}.name`,
 * `$request.body#/ptr`, `$response.header.name`, `$response.body#/ptr`, and strings embedding them in
 * braces (`/sessions/{$response.body#/id}`). Anything else is a constant.
 */
export function evaluate(expression: unknown, from: LinkSource): Evaluated {
  if (typeof expression !== 'string') return { ok: true, value: expression };
  if (expression.startsWith('$')) return single(expression, from);
  if (!expression.includes('{$')) return { ok: true, value: expression };
  let error: string | undefined;
  const value = expression.replace(/\{(\$[^}]+)\}/g, (_, inner: string) => {
    const part = single(inner, from);
    if (!part.ok) error ??= part.error;
    return part.ok ? String(part.value) : '';
  });
  return error ? { ok: false, error } : { ok: true, value };
}

function single(expression: string, from: LinkSource): Evaluated {
  const found = (value: unknown): Evaluated =>
    value === undefined ? { ok: false, error: `${expression} resolved to nothing` } : { ok: true, value };
  if (expression === '$url') return found(from.url);
  if (expression === '$method') return found(from.request.method);
  if (expression === '$statusCode') return found(from.status);
  const body = /^\$(request|response)\.body(?:#(.*))?$/.exec(expression);
  if (body) {
    const root = body[1] === 'request' ? from.request.body : from.json;
    return found(body[2] ? getAtPointer(root, decodeURIComponent(body[2])) : root);
  }
  const part = /^\$(request|response)\.(path|query|header)\.(.+)$/.exec(expression);
  if (part) {
    const [, side, location, name] = part;
    if (side === 'response')
      return location === 'header' ? found(from.headers[name.toLowerCase()]) : found(undefined);
    if (location === 'path') return found(from.request.pathParams[name]);
    if (location === 'query') return found(from.request.query[name]);
    const header = Object.entries(from.request.headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
    return found(header?.[1]);
  }
  return { ok: false, error: `${expression} is not a runtime expression Shakedown understands` };
}
