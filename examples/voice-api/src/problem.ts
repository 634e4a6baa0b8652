import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

// RFC 9457 problem details. `type` URIs are stable identifiers, documented in the OpenAPI spec.
export const PROBLEM_BASE = 'https://voice-api.example/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId: string;
}

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['bad-request', 'Bad Request'],
  401: ['unauthorized', 'Unauthorized'],
  404: ['not-found', 'Not Found'],
  405: ['method-not-allowed', 'Method Not Allowed'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload Too Large'],
  415: ['unsupported-media-type', 'Unsupported Media Type'],
  429: ['rate-limited', 'Too Many Requests'],
  431: ['headers-too-large', 'Request Header Fields Too Large'],
  500: ['internal', 'Internal Server Error'],
  503: ['unavailable', 'Service Unavailable'],
};

/** An error a handler throws to produce a problem response with this status. */
export class HttpError extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  constructor(status: number, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? TITLES[status]?.[1] ?? 'Error', options);
    this.status = status;
    this.detail = detail;
  }
}

export function requestIdOf(res: Response): string {
  return String(res.getHeader('X-Request-Id') ?? '');
}

/** `extensions` are extra members (RFC 9457 §3.2), after the standard ones. */
export function sendProblem(
  res: Response,
  status: number,
  detail?: string,
  extensions?: Record<string, unknown>,
): void {
  const [slug, title] = TITLES[status] ?? TITLES[500];
  const body: Problem = { type: PROBLEM_BASE + slug, title, status, requestId: requestIdOf(res) };
  if (detail) body.detail = detail;
  const json = JSON.stringify({ ...body, ...extensions });
  res.status(status).type('application/problem+json').send(json);
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, 404, `no route for ${req.method} ${req.path}`);
};

/** Terminal handler for documented paths: any other method is a 405 with the allowed ones. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : [...allowed];
  return (req, res) => {
    res.setHeader('Allow', allow.join(', '));
    sendProblem(res, 405, `${req.method} is not supported here; use ${allow.join(', ')}`);
  };
}

// body-parser signals its failures (413, 400, 415) through `status`; anything else unexpected is a 500.
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const status = Number((err as { status?: unknown })?.status);
  if (status >= 400 && status < 500) return TITLES[status] ? status : 400;
  return 500;
}

function detailOf(err: unknown): string | undefined {
  if (err instanceof HttpError) return err.detail;
  const type = (err as { type?: string })?.type;
  if (type === 'entity.too.large') return 'request body exceeds the size limit';
  if (type === 'entity.parse.failed') return 'request body is not valid JSON';
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req: Request, res, _next) => {
    const status = statusOf(err);
    const requestId = requestIdOf(res);
    // An outage is logged once per request without a stack; a 500 is a bug and gets everything.
    if (status === 503) {
      logger.warn(
        { requestId, path: req.path, cause: String((err as Error).cause) },
        'dependency unavailable',
      );
    } else if (status >= 500) {
      logger.error({ err, requestId, path: req.path }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Never leak a stack trace or the error message of an unexpected failure.
    sendProblem(res, status, detailOf(err));
  };
}
