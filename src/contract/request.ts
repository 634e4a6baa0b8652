import type { HttpRequestOptions } from '../http/client.ts';
import { isJsonMediaType, parseMediaType } from '../openapi/media-type.ts';
import type { Operation } from '../openapi/operations.ts';

/** Why a request was sent; it decides what its response must satisfy. */
export type RequestKind =
  | 'positive'
  | 'negative'
  | 'unknown-resource'
  | 'no-credentials'
  | 'bad-credentials'
  | 'link';

/** A request for one operation, before serialization; contract hooks may change any of it. */
export interface ContractRequest {
  method: string;
  /** Values for the path template's parameters (unencoded). */
  pathParams: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  /** A value serialized by `mediaType`, or a string/Buffer sent as is. */
  body?: unknown;
  mediaType?: string;
  /** Send the target's credentials (from `target.auth`). */
  auth: boolean;
}

export function emptyRequest(op: Operation): ContractRequest {
  return { method: op.method, pathParams: {}, query: {}, headers: {}, cookies: {}, auth: true };
}

export function cloneRequest(request: ContractRequest): ContractRequest {
  return {
    ...request,
    pathParams: { ...request.pathParams },
    query: { ...request.query },
    headers: { ...request.headers },
    cookies: { ...request.cookies },
    body:
      typeof request.body === 'object' && request.body !== null && !Buffer.isBuffer(request.body)
        ? structuredClone(request.body)
        : request.body,
  };
}

/** The concrete path: template filled (each value percent-encoded), base path in front, query appended. */
export function requestPath(op: Operation, request: ContractRequest, basePath: string): string {
  const filled = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(request.pathParams[name] ?? `{${name}}`),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, item);
  }
  const search = query.toString();
  return `${basePath}${filled}${search ? `?${search}` : ''}`;
}

export function toHttpOptions(
  op: Operation,
  request: ContractRequest,
  basePath: string,
  timeoutMs: number,
): HttpRequestOptions {
  const headers = { ...request.headers };
  const cookies = Object.entries(request.cookies);
  if (cookies.length > 0)
    headers.cookie = cookies.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  const body = serializeBody(request.body, request.mediaType);
  if (body !== undefined && request.mediaType && !hasHeader(headers, 'content-type'))
    headers['content-type'] = request.mediaType;
  return {
    method: request.method,
    path: requestPath(op, request, basePath),
    headers,
    body,
    timeoutMs,
    auth: request.auth,
  };
}

function serializeBody(body: unknown, mediaType: string | undefined): string | Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  const essence = mediaType ? (parseMediaType(mediaType)?.essence ?? '') : 'application/json';
  if (essence === 'application/x-www-form-urlencoded' && typeof body === 'object' && body !== null) {
    return new URLSearchParams(
      Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ).toString();
  }
  if (mediaType && !isJsonMediaType(mediaType) && essence.startsWith('text/')) return String(body);
  return JSON.stringify(body);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}
