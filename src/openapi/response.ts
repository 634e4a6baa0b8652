import { deserializeHeader } from './headers.ts';
import { formatIssue } from './issues.ts';
import type { ApiSpec } from './load.ts';
import { isJsonMediaType, isTextMediaType, matchMediaType } from './media-type.ts';
import { type Operation, type ResponseSpec, selectResponse } from './operations.ts';

/** The response checks, without the `contract.` prefix of their check ids. */
export const RESPONSE_CHECKS = [
  'no-server-error',
  'status-documented',
  'content-type',
  'response-schema',
  'response-headers',
] as const;
export type ResponseCheck = (typeof RESPONSE_CHECKS)[number];

export interface ObservedResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer | string;
  /** The body was cut (over the size limit); it is not validated. */
  truncated?: boolean;
}

export interface ResponseFindings {
  /** The documented response the status fell under. */
  documented?: ResponseSpec;
  /** The documented media type the body was validated as. */
  mediaType?: string;
  /** Errors per check; a check with no entry passed. */
  failures: Partial<Record<ResponseCheck, string[]>>;
  /** Things worth a warning but not a failure (a documented 5xx, a body too large to validate). */
  warnings: Partial<Record<ResponseCheck, string[]>>;
  /** The parsed JSON body, when there was one. */
  json?: unknown;
}

export interface CheckResponseOptions {
  /** Statuses accepted on top of the spec (contract hooks), e.g. 429 from a rate limiter. */
  extraStatuses?: readonly number[];
  /** HEAD responses carry no body whatever the spec says. */
  method?: string;
  /**
   * A body on a response the spec documents without `content` fails instead of warning
   * (`contracts.strictBodies`). 204, 205 and 304 may never carry one, strict or not.
   */
  strictBodies?: boolean;
}

/**
 * Everything a response must satisfy for its operation: a status the spec documents (exact, then
 * range, then default), no server error, a documented media type (or no body when none is
 * documented), a body valid against its schema and documented headers valid against theirs.
 */
export function checkResponse(
  spec: ApiSpec,
  op: Operation,
  response: ObservedResponse,
  options: CheckResponseOptions = {},
): ResponseFindings {
  const findings: ResponseFindings = { failures: {}, warnings: {} };
  const documented = selectResponse(op, response.status);
  if (response.status >= 500) {
    const message = `the target answered ${response.status}`;
    if (documented && documented.key !== 'default')
      add(findings.warnings, 'no-server-error', `${message} (documented as ${documented.key})`);
    else add(findings.failures, 'no-server-error', message);
  }
  if (!documented) {
    if (options.extraStatuses?.includes(response.status)) return findings;
    const keys = op.responses.map((r) => r.key).join(', ');
    add(
      findings.failures,
      'status-documented',
      `status ${response.status} is not documented (documented: ${keys || 'none'})`,
    );
    return findings;
  }
  findings.documented = documented;
  checkBody(spec, documented, response, findings, options);
  checkHeaders(spec, documented, response, findings);
  return findings;
}

/** Statuses HTTP forbids a body on (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const NO_BODY_STATUSES = new Set([204, 205, 304]);

function checkBody(
  spec: ApiSpec,
  documented: ResponseSpec,
  response: ObservedResponse,
  findings: ResponseFindings,
  options: CheckResponseOptions,
): void {
  const size = typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.length;
  const contentType = response.headers['content-type'];
  const where = `for ${documented.key === String(response.status) ? response.status : `${response.status} (${documented.key})`}`;
  if (!documented.content?.length) {
    if (size > 0) {
      // Describing a response without `content` is how many frameworks document an error body
      // (FastAPI's `responses={404: {...}}`): the body is undocumented, not wrong.
      const never = NO_BODY_STATUSES.has(response.status);
      add(
        never || options.strictBodies ? findings.failures : findings.warnings,
        'content-type',
        `the spec documents no body ${where}, but the response has ${size} bytes${contentType ? ` of ${contentType}` : ''}${never ? ` (a ${response.status} never carries one)` : ''}`,
      );
    }
    return;
  }
  if (options.method === 'HEAD') return;
  const keys = documented.content.map((c) => c.mediaType);
  if (!contentType) {
    if (size > 0)
      add(
        findings.failures,
        'content-type',
        `the response has a body but no Content-Type (documented: ${keys.join(', ')})`,
      );
    else
      add(
        findings.failures,
        'content-type',
        `the response has no body, but the spec documents one ${where} (${keys.join(', ')})`,
      );
    return;
  }
  const key = matchMediaType(keys, contentType);
  if (!key) {
    add(
      findings.failures,
      'content-type',
      `Content-Type ${contentType} is not documented ${where} (documented: ${keys.join(', ')})`,
    );
    return;
  }
  findings.mediaType = key;
  const media = documented.content.find((c) => c.mediaType === key);
  if (!media?.schemaPointer) return;
  if (response.truncated) {
    add(
      findings.warnings,
      'response-schema',
      'the body is larger than the size limit (1 MiB); it was cut and not validated',
    );
    return;
  }
  const text = typeof response.body === 'string' ? response.body : response.body.toString('utf8');
  let data: unknown = text;
  if (isJsonMediaType(contentType)) {
    try {
      data = JSON.parse(text);
      findings.json = data;
    } catch (error) {
      add(findings.failures, 'response-schema', `the body is not valid JSON: ${(error as Error).message}`);
      return;
    }
  } else if (!isTextMediaType(contentType)) return;
  const issues = spec.validator.validate('response', media.schemaPointer, data);
  for (const issue of issues) add(findings.failures, 'response-schema', formatIssue(issue));
}

function checkHeaders(
  spec: ApiSpec,
  documented: ResponseSpec,
  response: ObservedResponse,
  findings: ResponseFindings,
) {
  for (const header of documented.headers) {
    const raw = response.headers[header.name.toLowerCase()];
    if (raw === undefined) {
      if (header.required)
        add(findings.failures, 'response-headers', `header ${header.name}: is required but missing`);
      continue;
    }
    if (!header.schemaPointer) continue;
    const schema = spec.validator.schemaAt('response', header.schemaPointer);
    const value = deserializeHeader(raw, header, schema, spec.validator.schemaAt('response', ''));
    for (const issue of spec.validator.validate('response', header.schemaPointer, value))
      add(findings.failures, 'response-headers', formatIssue(issue, `header ${header.name}`));
  }
}

function add(into: Partial<Record<ResponseCheck, string[]>>, check: ResponseCheck, message: string): void {
  into[check] = [...(into[check] ?? []), message];
}
