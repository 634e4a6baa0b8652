import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { type CallResult, type Json, SPEC_PATH } from './helpers.ts';

// A small stand-in for Shakedown's contract engine, so the service's own tests already hold every
// response they see to the spec: documented status, content type, required headers, exact body.
let specPromise: Promise<Json> | undefined;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

export function loadSpec(): Promise<Json> {
  specPromise ??= SwaggerParser.dereference(SPEC_PATH) as Promise<Json>;
  return specPromise;
}

export function schemaErrors(schema: object, value: unknown): string[] {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export async function specViolations(
  method: string,
  pathTemplate: string,
  res: CallResult,
): Promise<string[]> {
  const spec = await loadSpec();
  const operation = spec.paths[pathTemplate]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${pathTemplate} is not in the spec`];
  const documented = operation.responses[String(res.status)];
  if (!documented) return [`status ${res.status} is not documented for ${method} ${pathTemplate}`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries<Json>(documented.headers ?? {})) {
    const value = res.headers[name.toLowerCase()];
    if (header.required && value === undefined) problems.push(`required header ${name} is missing`);
    if (value !== undefined && header.schema?.type === 'integer' && !/^\d+$/.test(String(value))) {
      problems.push(`header ${name} is not an integer`);
    }
  }
  const contentTypes = Object.keys(documented.content ?? {});
  if (contentTypes.length === 0) {
    if (res.text.length > 0) problems.push('a body was sent where none is documented');
    return problems;
  }
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0];
  const content = documented.content[mediaType];
  if (!content) return [...problems, `content type ${mediaType} is not one of ${contentTypes.join(', ')}`];
  if (mediaType.endsWith('json')) {
    const body = res.json();
    for (const error of schemaErrors(content.schema, body)) problems.push(`body ${error}`);
    for (const leak of writeOnlyLeaks(content.schema, body)) problems.push(`body ${leak}`);
  }
  return problems;
}

/** Properties a response carries although the schema marks them writeOnly (ajv does not check this). */
function writeOnlyLeaks(schema: Json | undefined, value: unknown, at = ''): string[] {
  if (!schema || typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value))
    return value.flatMap((item, i) => writeOnlyLeaks(schema.items, item, `${at}/${i}`));
  return Object.entries<Json>(schema.properties ?? {}).flatMap(([name, property]) => {
    if (!(name in value)) return [];
    if (property.writeOnly) return [`${at}/${name} is writeOnly and must not be in a response`];
    return writeOnlyLeaks(property, (value as Json)[name], `${at}/${name}`);
  });
}

export async function expectSpec(method: string, pathTemplate: string, res: CallResult): Promise<void> {
  expect(
    await specViolations(method, pathTemplate, res),
    `${method} ${pathTemplate} → ${res.status} ${res.text}`,
  ).toEqual([]);
}
