import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One request on a fresh connection, with the way it ended classified. Shutdown and body-limit checks
 * need what the shared HttpClient hides on purpose: whether the connection was refused, reset, or left
 * hanging, and a chunked upload.
 */
export type Outcome = 'answered' | 'refused' | 'reset' | 'timeout' | 'error';

export interface Attempt {
  outcome: Outcome;
  /** performance.now() when the attempt started. */
  startedAt: number;
  /** performance.now() when it ended (response complete, or the failure). */
  endedAt: number;
  status?: number;
  headers?: Record<string, string>;
  /** Body excerpt (at most {@link BODY_CAP} bytes). */
  body?: string;
  /** Network error code for everything but `answered`. */
  code?: string;
  /** True when response headers had arrived before a reset: the response was cut mid-way. */
  responseStarted?: boolean;
}

export interface RawRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent with Content-Length; `chunks` are sent with Transfer-Encoding: chunked instead. */
  body?: string | Buffer;
  chunks?: readonly Buffer[];
  timeoutMs: number;
  localAddress?: string;
  /** Called once the request has been fully written to the socket. */
  onSent?: () => void;
}

const BODY_CAP = 64 * 1024;

export function rawRequest(options: RawRequest): Promise<Attempt> {
  const startedAt = performance.now();
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    let responseStarted = false;
    const finish = (attempt: Omit<Attempt, 'startedAt' | 'endedAt'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...attempt, startedAt, endedAt: performance.now() });
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = send(url, {
      method: options.method ?? 'GET',
      headers,
      agent: false,
      localAddress: options.localAddress,
    });
    const timer = setTimeout(() => {
      finish({ outcome: 'timeout', code: 'TIMEOUT', responseStarted });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ ...classify(error), responseStarted });
    });
    req.on('finish', () => options.onSent?.());
    req.on('response', (res: IncomingMessage) => {
      responseStarted = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_CAP) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', (error: NodeJS.ErrnoException) => finish({ ...classify(error), responseStarted }));
      res.on('aborted', () => finish({ outcome: 'reset', code: 'ECONNRESET', responseStarted }));
      res.on('end', () => {
        finish({
          outcome: 'answered',
          status: res.statusCode ?? 0,
          headers: flatHeaders(res.headers),
          body: Buffer.concat(chunks).subarray(0, BODY_CAP).toString('utf8'),
        });
      });
    });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

function classify(error: NodeJS.ErrnoException): { outcome: Outcome; code: string } {
  const code = error.code ?? error.name;
  if (code === 'ECONNREFUSED') return { outcome: 'refused', code };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return { outcome: 'reset', code };
  return { outcome: 'error', code };
}

function flatHeaders(raw: IncomingMessage['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A one-line description for evidence: `200 in 12 ms`, `refused (ECONNREFUSED) in 1 ms`. */
export function describeAttempt(attempt: Attempt): string {
  const ms = Math.round(attempt.endedAt - attempt.startedAt);
  if (attempt.outcome === 'answered') return `${attempt.status} in ${ms} ms`;
  const cut = attempt.outcome === 'reset' && attempt.responseStarted ? ' mid-response' : '';
  return `${attempt.outcome}${cut} (${attempt.code}) after ${ms} ms`;
}
