import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import {
  BODY_EXCERPT_BYTES,
  type Evidence,
  type RecordedRequest,
  type RecordedResponse,
} from '../run/model.ts';
import type { Redactor } from '../run/redact.ts';
import { type AuthProvider, noAuth } from './auth.ts';
import { toCurl } from './curl.ts';

export interface HttpRequestOptions {
  method?: string;
  /** Path relative to the base URL (`/v1/sessions`) or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  /** Bind the client socket to this source address (e.g. 127.0.0.2) for a fresh per-IP quota. */
  localAddress?: string;
  timeoutMs?: number;
  /** Add the target's credentials (default true). */
  auth?: boolean;
  /** Keep at most this many body bytes (default 1 MiB); the rest is discarded unread. */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', ' (set-cookie with '\n'). */
  headers: Record<string, string>;
  body: Buffer;
  bodyTruncated: boolean;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpExchange {
  request: RecordedRequest & { localAddress?: string };
  response?: HttpResponse;
  /** Network-level failure (refused, reset, timeout) instead of a response. */
  error?: { code: string; message: string };
  startedAt: number;
  timings: { totalMs: number };
  /** A better reproduction than the plain curl line (a webhook delivery re-signed by `shakedown webhook sign`). */
  reproduce?: (redactor: Redactor) => string;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * The HTTP client every engine uses: it never throws for a status or a network failure (both are
 * findings), records what it sent, and turns any exchange into redacted evidence with a curl line.
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly #auth: AuthProvider;
  readonly #redactor: Redactor;
  readonly #timeoutMs: number;
  readonly #agents = new Map<string, Agent>();

  constructor(options: { baseUrl: string; redactor: Redactor; auth?: AuthProvider; timeoutMs?: number }) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#auth = options.auth ?? noAuth;
    this.#redactor = options.redactor;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  url(pathOrUrl: string, query?: HttpRequestOptions['query']): string {
    const url = new URL(/^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
    return url.toString();
  }

  async request(options: HttpRequestOptions): Promise<HttpExchange> {
    const first = await this.#send(options);
    if (first.response?.status === 401 && options.auth !== false && this.#auth !== noAuth) {
      this.#auth.refresh();
      return this.#send(options);
    }
    return first;
  }

  async #send(options: HttpRequestOptions): Promise<HttpExchange> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = this.url(options.path, options.query);
    const headers: Record<string, string> = {};
    if (options.auth !== false) Object.assign(headers, await this.#auth.headers());
    let body: string | Buffer | undefined;
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;

    const recorded: HttpExchange['request'] = { method, url, headers };
    if (body !== undefined) recorded.body = body.toString();
    if (options.localAddress) recorded.localAddress = options.localAddress;
    const startedAt = Date.now();
    const t0 = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    try {
      const res = await undiciRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        dispatcher: this.#agent(options.localAddress),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const { buffer, truncated } = await readCapped(res.body, options.maxBodyBytes ?? DEFAULT_MAX_BODY);
      const response = toResponse(res.statusCode, res.headers, buffer, truncated);
      return { request: recorded, response, startedAt, timings: { totalMs: elapsed(t0) } };
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const code =
        err.name === 'TimeoutError' || err.name === 'AbortError' ? 'TIMEOUT' : (err.code ?? err.name);
      return {
        request: recorded,
        error: { code, message: err.message },
        startedAt,
        timings: { totalMs: elapsed(t0) },
      };
    }
  }

  /** Redacted evidence for a check result, with a curl reproduction. */
  evidence(exchange: HttpExchange, extra: Partial<Evidence> = {}): Evidence {
    const { request } = exchange;
    const evidence: Evidence = {
      request: {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: excerpt(request.body),
      },
      curl: exchange.reproduce ? exchange.reproduce(this.#redactor) : toCurl(request, this.#redactor),
      timings: exchange.timings,
      ...extra,
    };
    if (exchange.response) evidence.response = recordResponse(exchange.response);
    if (exchange.error) evidence.networkError = exchange.error;
    return this.#redactor.value(evidence);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.close()));
    this.#agents.clear();
  }

  #agent(localAddress: string | undefined): Agent {
    const key = localAddress ?? '';
    let agent = this.#agents.get(key);
    if (!agent) {
      // `localAddress` is a client option: undici passes it to net.connect() itself, overriding
      // anything given under `connect`, so it must not go there.
      agent = new Agent({ ...(localAddress ? { localAddress } : {}), keepAliveTimeout: 4_000 });
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

export function recordResponse(response: HttpResponse): RecordedResponse {
  const text = response.body.subarray(0, BODY_EXCERPT_BYTES).toString('utf8');
  const recorded: RecordedResponse = { status: response.status, headers: response.headers, body: text };
  if (response.bodyTruncated || response.body.length > BODY_EXCERPT_BYTES) recorded.bodyTruncated = true;
  return recorded;
}

function excerpt(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  return body.length > BODY_EXCERPT_BYTES ? `${body.slice(0, BODY_EXCERPT_BYTES)}…` : body;
}

function toResponse(
  status: number,
  raw: Record<string, string | string[] | undefined>,
  body: Buffer,
  bodyTruncated: boolean,
): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value)
      ? value.join(name.toLowerCase() === 'set-cookie' ? '\n' : ', ')
      : value;
  }
  return {
    status,
    headers,
    body,
    bodyTruncated,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

async function readCapped(
  stream: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ buffer: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream) {
    if (size >= maxBytes) {
      truncated = true;
      continue;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  const buffer = Buffer.concat(chunks);
  return {
    buffer: buffer.length > maxBytes ? buffer.subarray(0, maxBytes) : buffer,
    truncated: truncated || buffer.length > maxBytes,
  };
}

function elapsed(t0: number): number {
  return Math.round((performance.now() - t0) * 100) / 100;
}
