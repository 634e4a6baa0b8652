import type { ErrorObject } from 'ajv';
import { WRITE_ONLY_KEYWORD } from './normalize.ts';
import { escapeSegment } from './pointer.ts';

/** One readable validation error. */
export interface ValidationIssue {
  /** JSON pointer into the validated value; '' is the value itself. */
  path: string;
  message: string;
  /** The schema keyword that failed (`type`, `required`, `writeOnly`, `discriminator`, …). */
  keyword: string;
  /** `file:line` of that keyword in the spec, where known. */
  location?: string;
}

/**
 * `path: message (keyword, file:line)`, the one format every report and matcher prints. `root` names
 * the validated value when it is not the body (`header Retry-After`).
 */
export function formatIssue(issue: ValidationIssue, root?: string): string {
  const where = issue.location ? `, ${issue.location}` : '';
  const path = root === undefined ? issue.path || '/' : `${root}${issue.path}`;
  return `${path}: ${issue.message} (${issue.keyword}${where})`;
}

/**
 * An ajv error in words: the path of the offending field itself (a missing or extra property, not
 * its parent), what was expected and what was there.
 */
export function issueFromError(e: ErrorObject, path: string, location: string | undefined): ValidationIssue {
  const params = e.params as Record<string, unknown>;
  const issue = (keyword: string, message: string, at = path): ValidationIssue => ({
    path: at,
    keyword,
    message,
    location,
  });
  switch (e.keyword) {
    case 'required':
      return issue(
        'required',
        'is required but missing',
        `${path}/${escapeSegment(String(params.missingProperty))}`,
      );
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty);
      return issue(e.keyword, 'is not allowed by the schema', `${path}/${escapeSegment(name)}`);
    }
    case WRITE_ONLY_KEYWORD:
      return issue('writeOnly', 'is writeOnly in the spec and must not appear in a response');
    case 'type':
      return issue('type', `must be ${orList(params.type)}, got ${describe(e.data)}`);
    case 'enum':
      return issue('enum', `must be one of ${listValues(params.allowedValues)}, got ${preview(e.data)}`);
    case 'const':
      return issue('const', `must be ${preview(params.allowedValue)}, got ${preview(e.data)}`);
    case 'format':
      return issue('format', `must be a valid ${params.format}, got ${preview(e.data)}`);
    default: {
      const got = e.data === null || typeof e.data !== 'object' ? `, got ${preview(e.data)}` : '';
      return issue(e.keyword, `${e.message ?? 'is invalid'}${got}`);
    }
  }
}

/** A value shortened for a message; never a whole body. */
export function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function orList(types: unknown): string {
  const list = Array.isArray(types) ? types : String(types).split(',');
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : String(list[0]);
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map(preview).join(', ') : preview(values);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return `${Number.isInteger(value) ? 'integer' : typeof value} ${preview(value)}`;
}
