import type { ApiSpec } from '../openapi/load.ts';
import { matchOperation, type Operation } from '../openapi/operations.ts';
import { checkResponse, type ObservedResponse } from '../openapi/response.ts';
import { opTitle } from './results/index.ts';

/** Which operation a response answers: an operationId, `METHOD /path/template`, or parts of it. */
export type OperationSelector = string | { operationId?: string; method?: string; path?: string };

/** A response from any client, reduced to what the contract checks read. */
export interface ResponseUnderTest extends ObservedResponse {
  /** Undefined when the client does not say (a fetch Response). */
  method?: string;
  /** The request path without query, as sent (`/v1/sessions/3f1c…`). */
  path: string;
}

export interface MatchOutcome {
  pass: boolean;
  message: string;
  operation?: Operation;
  errors: string[];
}

/**
 * The verdict of the in-process matchers: the same response checks as `shakedown contracts`
 * (status, media type, body schema, headers), with the same messages.
 */
export function matchResponse(
  spec: ApiSpec,
  response: ResponseUnderTest,
  selector?: OperationSelector,
): MatchOutcome {
  const candidates = candidatesFor(spec, response, selector);
  const where = `${response.method ?? '?'} ${response.path} → ${response.status}`;
  if (candidates.length === 0) {
    const hint = selector ? ` for ${JSON.stringify(selector)}` : '';
    return {
      pass: false,
      errors: [],
      message: `${where}: no operation of ${spec.displayFile} matches${hint}`,
    };
  }
  const outcomes = candidates.map((op) => {
    const findings = checkResponse(spec, op, response, { method: op.method });
    const errors = Object.entries(findings.failures).flatMap(([check, list]) =>
      list.map((e) => `${check}: ${e}`),
    );
    return { op, errors };
  });
  const passed = outcomes.find((o) => o.errors.length === 0);
  if (passed) {
    return {
      pass: true,
      operation: passed.op,
      errors: [],
      message: `${opTitle(passed.op)} → ${response.status} satisfies ${spec.displayFile}`,
    };
  }
  const lines = outcomes.flatMap((o) => [
    `${opTitle(o.op)} → ${response.status}:`,
    ...o.errors.map((e) => `  ${e}`),
  ]);
  return {
    pass: false,
    operation: outcomes[0].op,
    errors: outcomes.flatMap((o) => o.errors),
    message: `the response does not satisfy ${spec.displayFile}:\n${lines.join('\n')}`,
  };
}

function candidatesFor(
  spec: ApiSpec,
  response: ResponseUnderTest,
  selector?: OperationSelector,
): Operation[] {
  const wanted = typeof selector === 'string' ? parseSelector(selector) : (selector ?? {});
  if (wanted.operationId) return spec.operations.filter((op) => op.operationId === wanted.operationId);
  if (wanted.path) {
    const method = (wanted.method ?? response.method)?.toUpperCase();
    return spec.operations.filter((op) => op.path === wanted.path && (!method || op.method === method));
  }
  const path = stripBase(response.path, spec.basePath);
  const method = wanted.method ?? response.method;
  if (method) {
    const match = matchOperation(spec.operations, method, path);
    return match ? [match.op] : [];
  }
  return spec.operations.filter((op) => op.pathPattern.test(path));
}

function parseSelector(selector: string): { operationId?: string; method?: string; path?: string } {
  const match = /^([A-Za-z]+)\s+(\/\S*)$/.exec(selector.trim());
  return match ? { method: match[1].toUpperCase(), path: match[2] } : { operationId: selector };
}

function stripBase(path: string, basePath: string): string {
  return basePath && path.startsWith(basePath) ? path.slice(basePath.length) || '/' : path;
}

/** A supertest/superagent response, or undefined when `value` is not one. */
export function fromSupertest(value: unknown): ResponseUnderTest | undefined {
  const res = value as {
    status?: unknown;
    headers?: Record<string, unknown>;
    text?: unknown;
    body?: unknown;
    req?: { method?: string; path?: string };
    request?: { method?: string; url?: string };
  };
  if (typeof res?.status !== 'number' || typeof res.headers !== 'object' || !(res.req || res.request))
    return undefined;
  const rawPath = res.req?.path ?? (res.request?.url ? new URL(res.request.url, 'http://x').pathname : '/');
  const method = res.req?.method ?? res.request?.method;
  let body: string | Buffer = '';
  if (typeof res.text === 'string') body = res.text;
  else if (Buffer.isBuffer(res.body)) body = res.body;
  else if (
    res.body !== undefined &&
    res.body !== null &&
    !(typeof res.body === 'object' && Object.keys(res.body).length === 0)
  )
    body = JSON.stringify(res.body);
  return {
    method: method?.toUpperCase(),
    path: rawPath.split('?')[0],
    status: res.status,
    headers: lowerCase(res.headers),
    body,
  };
}

/** A WHATWG fetch Response (the body is read from a clone, so the caller can still read it). */
export async function fromFetch(value: unknown): Promise<ResponseUnderTest | undefined> {
  if (typeof Response === 'undefined' || !(value instanceof Response)) return undefined;
  const headers: Record<string, string> = {};
  value.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const body = Buffer.from(await value.clone().arrayBuffer());
  const path = value.url ? new URL(value.url).pathname : '/';
  return { path, status: value.status, headers, body };
}

function lowerCase(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]),
  );
}
