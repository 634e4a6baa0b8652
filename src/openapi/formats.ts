import type { Ajv } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS: Node's default import is the plugin function, TypeScript types it as the module.
const addFormats = formatsModule as unknown as FormatsPlugin;

const INT32 = 2 ** 31;
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Formats OpenAPI defines on top of JSON Schema's (data-type formats and string annotations). */
export const OPENAPI_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'] as const;

/**
 * JSON Schema formats in full mode (exact dates, RFC 3339 times, real URIs) plus OpenAPI's own.
 * int64 accepts any integer JSON can carry: values past 2^53 arrive already rounded by JSON.parse,
 * which is the client's problem, not a contract violation.
 */
export function addOpenApiFormats(ajv: Ajv): void {
  addFormats(ajv, { mode: 'full' });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Math.abs(n) <= FLOAT_MAX });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('byte', { type: 'string', validate: (s: string) => BASE64.test(s) });
  ajv.addFormat('binary', true);
  ajv.addFormat('password', true);
}

/** Formats ajv knows after {@link addOpenApiFormats}; anything else is an annotation only. */
export function isKnownFormat(ajv: Ajv, format: string): boolean {
  return ajv.formats[format] !== undefined;
}
