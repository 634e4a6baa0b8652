import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { ShakedownError } from '../errors.ts';
import { validateAgainstMetaSchema } from './meta-schema.ts';
import type { SpecVersion } from './normalize.ts';
import { type Operation, readOperations, serverBasePath } from './operations.ts';
import { refToPointer } from './pointer.ts';
import { forEachSchemaDeep, forEachSchemaRoot } from './schema-walk.ts';
import { displayPath, SourceMap } from './source-map.ts';
import { type SchemaDialect, SchemaValidator } from './validator.ts';

export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document;

/** A loaded, bundled and checked OpenAPI document, ready to validate against. */
export interface ApiSpec {
  /** Absolute path of the root document. */
  file: string;
  /** The root document as shown in messages (relative to the working directory when inside it). */
  displayFile: string;
  version: SpecVersion;
  dialect: SchemaDialect;
  /** One document, external `$ref`s pulled in, internal ones kept (so circular schemas stay finite). */
  document: OpenApiDocument;
  operations: Operation[];
  /** Path prefix from the first `servers` entry (`/api`), '' when none. */
  basePath: string;
  validator: SchemaValidator;
  sourceMap: SourceMap;
}

const OAS_DIALECT = 'https://spec.openapis.org/oas/3.1/dialect/base';
const DIALECTS: Record<string, SchemaDialect> = {
  [OAS_DIALECT]: '2020-12',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'http://json-schema.org/draft-07/schema#': 'draft-07',
  'http://json-schema.org/draft-07/schema': 'draft-07',
};

/**
 * Loads an OpenAPI 3.0/3.1 document (YAML or JSON, split across files, circular schemas allowed).
 * Anything wrong with it is a {@link ShakedownError} `SHK_SPEC_INVALID` naming the file, the JSON
 * pointer and the line: `contracts/api.yaml: /paths/~1pets/get/responses must … (line 12)`.
 */
export async function loadSpec(file: string, options: { displayRoot?: string } = {}): Promise<ApiSpec> {
  const absolute = path.resolve(file);
  const displayRoot = options.displayRoot ?? process.cwd();
  if (!existsSync(absolute)) {
    throw new ShakedownError(
      'SHK_SPEC_INVALID',
      `${absolute}: the OpenAPI document does not exist. Set contracts.spec or target.openapi to the spec's path.`,
    );
  }
  const parser = new SwaggerParser();
  let document: Record<string, unknown>;
  try {
    document = (await parser.bundle(absolute)) as unknown as Record<string, unknown>;
  } catch (error) {
    throw bundleError(error, absolute, displayRoot);
  }
  const files = Object.entries(parser.$refs.values()).sort(
    ([a], [b]) => Number(a === absolute) - Number(b === absolute),
  );
  const sourceMap = new SourceMap(files, displayRoot);
  const fail = (pointer: string, problem: string) =>
    specError(sourceMap, document, absolute, pointer, problem);

  const version = specVersion(document, fail);
  const dialect = schemaDialect(document, version, fail);
  checkAgainstMetaSchema(document, version, fail);
  if (version === '3.1') checkSchemasAgainstDialect(document, fail);
  checkPatterns(document, fail);
  const operations = readOperations(document, fail);
  const displayFile = sourceMap.displayPath(absolute);
  const validator = new SchemaValidator({
    bundled: document,
    version,
    dialect,
    sourceMap,
    file: displayFile,
  });
  return {
    file: absolute,
    displayFile,
    version,
    dialect,
    document: document as unknown as OpenApiDocument,
    operations,
    basePath: serverBasePath(document),
    validator,
    sourceMap,
  };
}

export type SpecFailure = (pointer: string, problem: string) => ShakedownError;

function specError(map: SourceMap, document: unknown, file: string, pointer: string, problem: string) {
  const location = map.locatePointer(document, pointer);
  const line = location?.line === undefined ? '' : ` (line ${location.line})`;
  const where = location?.file ?? map.displayPath(file);
  return new ShakedownError(
    'SHK_SPEC_INVALID',
    `${where}: ${location?.pointer ?? pointer} ${problem}${line}`,
  );
}

function bundleError(error: unknown, file: string, displayRoot: string): ShakedownError {
  const e = error as Error & { source?: string; parentPath?: string; targetRef?: string; code?: string };
  const source = displayPath(displayRoot, e.source ?? file);
  if (e.code === 'EMISSINGPOINTER' && e.parentPath) {
    const pointer = refToPointer(e.parentPath) ?? e.parentPath;
    const line = lineOfText(e.source ?? file, e.targetRef);
    return new ShakedownError(
      'SHK_SPEC_INVALID',
      `${source}: ${pointer} $ref ${JSON.stringify(e.targetRef)} points to nothing${line ? ` (line ${line})` : ''}`,
      { cause: error },
    );
  }
  if (e.code === 'EPARSER') {
    const position = /\((\d+):(\d+)\)/.exec(e.message);
    const reason = e.message
      .split('\n')[0]
      .replace(/^Error parsing [^:]+: /, '')
      .replace(/\s*\(\d+:\d+\)$/, '');
    return new ShakedownError(
      'SHK_SPEC_INVALID',
      `${source}: / is not valid YAML or JSON: ${reason}${position ? ` (line ${position[1]})` : ''}`,
      { cause: error },
    );
  }
  const version = /Unsupported OpenAPI version: ([^.\s]+(?:\.[^.\s]+)*)/.exec(e.message);
  if (version) {
    return new ShakedownError(
      'SHK_SPEC_INVALID',
      `${source}: /openapi is ${version[1]}; Shakedown reads OpenAPI 3.0.x and 3.1.x`,
      { cause: error },
    );
  }
  return new ShakedownError('SHK_SPEC_INVALID', `${source}: ${e.message.split('\n')[0]}`, { cause: error });
}

function lineOfText(file: string, needle: string | undefined): number | undefined {
  if (!needle) return undefined;
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const index = lines.findIndex((l) => l.includes(needle));
    return index < 0 ? undefined : index + 1;
  } catch {
    return undefined;
  }
}

function specVersion(document: Record<string, unknown>, fail: SpecFailure): SpecVersion {
  const raw = document.openapi;
  if (typeof raw === 'string' && /^3\.0\.\d+$/.test(raw)) return '3.0';
  if (typeof raw === 'string' && /^3\.1\.\d+$/.test(raw)) return '3.1';
  throw fail(
    '/openapi',
    `is ${JSON.stringify(raw)}; Shakedown reads OpenAPI 3.0.x and 3.1.x (swagger 2.0: convert it first)`,
  );
}

function schemaDialect(
  document: Record<string, unknown>,
  version: SpecVersion,
  fail: SpecFailure,
): SchemaDialect {
  const declared = document.jsonSchemaDialect;
  if (version === '3.0' || declared === undefined) return '2020-12';
  const dialect = typeof declared === 'string' ? DIALECTS[declared] : undefined;
  if (!dialect) {
    throw fail(
      '/jsonSchemaDialect',
      `${JSON.stringify(declared)} is not supported; use ${OAS_DIALECT}, draft 2020-12, 2019-09 or draft-07`,
    );
  }
  return dialect;
}

function checkAgainstMetaSchema(
  document: Record<string, unknown>,
  version: SpecVersion,
  fail: SpecFailure,
): void {
  const errors = validateAgainstMetaSchema(document, version);
  if (errors.length === 0) return;
  const worst = mostSpecific(errors);
  throw fail(worst.instancePath, describeMetaError(worst, errors));
}

let dialectChecker: Ajv2020 | undefined;

/** 3.1 schemas are free-form for the OpenAPI meta-schema; their own dialect's meta-schema still applies. */
function checkSchemasAgainstDialect(document: Record<string, unknown>, fail: SpecFailure): void {
  dialectChecker ??= new Ajv2020({ strict: false, logger: false });
  const ajv = dialectChecker;
  forEachSchemaRoot(document, (schema, pointer) => {
    if (ajv.validateSchema(schema)) return;
    const worst = mostSpecific(ajv.errors ?? []);
    throw fail(pointer + worst.instancePath, describeMetaError(worst, ajv.errors ?? []));
  });
}

function checkPatterns(document: Record<string, unknown>, fail: SpecFailure): void {
  forEachSchemaRoot(document, (root, rootPointer) =>
    forEachSchemaDeep(root, rootPointer, (schema, pointer) => {
      if (typeof schema.pattern !== 'string') return;
      try {
        new RegExp(schema.pattern, 'u');
      } catch (error) {
        throw fail(
          `${pointer}/pattern`,
          `is not an ECMA-262 regular expression: ${(error as Error).message}`,
        );
      }
    }),
  );
}

/** The deepest error, preferring a concrete keyword over "must match a schema in oneOf". */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  const vague = new Set(['oneOf', 'anyOf', 'if', 'then', 'else', '$ref', 'not']);
  return [...errors].sort(
    (a, b) =>
      b.instancePath.split('/').length - a.instancePath.split('/').length ||
      Number(vague.has(a.keyword)) - Number(vague.has(b.keyword)),
  )[0];
}

/** The error in words; enum errors from sibling `oneOf` branches are merged into one list of values. */
function describeMetaError(error: ErrorObject, all: readonly ErrorObject[]): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `has an unknown field ${JSON.stringify(params.additionalProperty)}`;
  if (error.keyword === 'enum') {
    const values = new Set(
      all
        .filter((e) => e.keyword === 'enum' && e.instancePath === error.instancePath)
        .flatMap((e) => (e.params as { allowedValues: unknown[] }).allowedValues),
    );
    return `must be one of ${[...values].map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}
