import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Faults } from './faults.ts';
import { sendProblem } from './problem.ts';

// A caller-supplied id is kept only if it is short and harmless in logs and headers.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('X-Request-Id');
  res.setHeader('X-Request-Id', incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID());
  next();
};

// Node's own limit (16 KiB) answers with a bare 431 and resets the connection, which clients often
// see as ECONNRESET. The server parses up to PARSE_HEADER_BYTES so that this middleware can refuse
// anything over MAX_HEADER_BYTES with a proper problem response; only larger headers hit Node's limit.
export const MAX_HEADER_BYTES = 16 * 1024;
export const PARSE_HEADER_BYTES = 256 * 1024;

export const headerLimit: RequestHandler = (req, res, next) => {
  let bytes = 0;
  for (const part of req.rawHeaders) bytes += part.length + 2;
  if (bytes <= MAX_HEADER_BYTES) return next();
  res.setHeader('Connection', 'close');
  sendProblem(res, 431, `request headers exceed ${MAX_HEADER_BYTES} bytes`);
};

export function securityHeaders(faults: Faults): RequestHandler {
  if (faults.has('headers-off')) return (_req, _res, next) => next();
  return helmet();
}

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const EXPOSED_HEADERS = 'X-Request-Id, Location, Retry-After, RateLimit, RateLimit-Policy';

/**
 * CORS by exact origin match. Written out rather than configured because the rules are the point
 * of the reference target: never reflect an unknown origin, and credentials only for known ones.
 */
export function cors(allowedOrigins: readonly string[], faults: Faults): RequestHandler {
  const allowed = new Set(allowedOrigins);
  const reflectAny = faults.has('cors-reflect');
  // Without Vary: Origin a shared cache may serve one origin's CORS answer to another (cors-no-vary).
  const vary = !faults.has('cors-no-vary');
  return (req, res, next) => {
    if (vary) res.vary('Origin');
    const origin = req.get('Origin');
    const isAllowed = origin !== undefined && (reflectAny || allowed.has(origin));
    if (isAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    const isPreflight =
      req.method === 'OPTIONS' && origin !== undefined && req.get('Access-Control-Request-Method');
    if (!isPreflight) return next();
    if (isAllowed) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.status(204).end();
  };
}
