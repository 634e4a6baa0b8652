const INT32 = 2 ** 31;
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Formats OpenAPI defines on top of JSON Schema's, as ajv format definitions. Imports nothing, so the
 * k6 export can bundle the same definitions into its precompiled validators.
 * int64 accepts any integer JSON can carry: values past 2^53 arrive already rounded by JSON.parse,
 * which is the client's problem, not a contract violation.
 */
export const OPENAPI_FORMAT_DEFINITIONS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  float: { type: 'number', validate: (n: number) => Math.abs(n) <= FLOAT_MAX },
  double: { type: 'number', validate: (n: number) => Number.isFinite(n) },
  byte: { type: 'string', validate: (s: string) => BASE64.test(s) },
  binary: true,
  password: true,
} as const;
