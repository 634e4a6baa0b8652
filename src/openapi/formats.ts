import type { Ajv } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { OPENAPI_FORMAT_DEFINITIONS } from './openapi-formats.ts';

// ajv-formats is CommonJS: Node's default import is the plugin function, TypeScript types it as the module.
const addFormats = formatsModule as unknown as FormatsPlugin;

/** Formats OpenAPI defines on top of JSON Schema's (data-type formats and string annotations). */
export const OPENAPI_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'] as const;

/** JSON Schema formats in full mode (exact dates, RFC 3339 times, real URIs) plus OpenAPI's own. */
export function addOpenApiFormats(ajv: Ajv): void {
  addFormats(ajv, { mode: 'full' });
  for (const [name, definition] of Object.entries(OPENAPI_FORMAT_DEFINITIONS))
    ajv.addFormat(name, definition);
}

/** Formats ajv knows after {@link addOpenApiFormats}; anything else is an annotation only. */
export function isKnownFormat(ajv: Ajv, format: string): boolean {
  return ajv.formats[format] !== undefined;
}
