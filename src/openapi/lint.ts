import { formatIssue } from './issues.ts';
import type { ApiSpec } from './load.ts';
import { isJsonMediaType } from './media-type.ts';
import { type Direction, mappingPointer } from './normalize.ts';
import type { MediaTypeSpec } from './operations.ts';
import { getAtPointer, isObject, refToPointer } from './pointer.ts';
import { forEachSchemaDeep, forEachSchemaRoot } from './schema-walk.ts';

export interface LintFinding {
  /** Stable name of the rule, e.g. `nullable-without-type`. */
  rule: string;
  pointer: string;
  message: string;
  /** `file:line`, where known. */
  location?: string;
}

type Schema = Record<string, unknown>;
type Report = (rule: string, pointer: string, message: string) => void;

/**
 * Spec problems that are legal but make validators (this one included) disagree with what the author
 * meant. Reported as warnings before the run, never as failures.
 */
export function lintSpec(spec: ApiSpec): LintFinding[] {
  const findings: LintFinding[] = [];
  const report: Report = (rule, pointer, message) => {
    const location = spec.sourceMap.format(spec.sourceMap.locatePointer(spec.document, pointer));
    findings.push({ rule, pointer, message, location });
  };
  const seen = new Set<object>();
  forEachSchemaRoot(spec.document, (root, rootPointer) =>
    forEachSchemaDeep(root, rootPointer, (schema, pointer) => {
      if (seen.has(schema)) return;
      seen.add(schema);
      lintSchema(spec, schema, pointer, report);
    }),
  );
  for (const format of spec.validator.unknownFormats())
    report(
      'unknown-format',
      '',
      `format "${format}" is not one Shakedown knows; values are not checked against it`,
    );
  lintOperations(spec, report);
  return findings;
}

function lintSchema(spec: ApiSpec, schema: Schema, pointer: string, report: Report): void {
  const v30 = spec.version === '3.0';
  if (v30 && typeof schema.$ref === 'string') {
    const siblings = Object.keys(schema).filter((k) => k !== '$ref' && !k.startsWith('x-'));
    if (siblings.length > 0) {
      report(
        'ref-siblings',
        pointer,
        `${siblings.join(', ')} next to $ref ${siblings.length > 1 ? 'are' : 'is'} ignored in OpenAPI 3.0; wrap the $ref in allOf to apply ${siblings.length > 1 ? 'them' : 'it'}`,
      );
    }
    return;
  }
  if (v30 && schema.nullable === true && schema.type === undefined)
    report(
      'nullable-without-type',
      pointer,
      'nullable has no effect without type in the same schema (OpenAPI 3.0.3), so null is rejected',
    );
  if (!v30 && 'nullable' in schema)
    report(
      'nullable-in-3.1',
      pointer,
      "nullable is not an OpenAPI 3.1 keyword and is ignored; add 'null' to type instead",
    );
  lintNullableEnum(schema, pointer, v30, report);
  lintAllOfClosed(spec, schema, pointer, report);
  lintDiscriminator(spec, schema, pointer, report);
}

function lintNullableEnum(schema: Schema, pointer: string, v30: boolean, report: Report): void {
  if (!Array.isArray(schema.enum) || schema.enum.includes(null)) return;
  if (v30 && schema.nullable === true && schema.type !== undefined) {
    report(
      'nullable-enum-without-null',
      pointer,
      'nullable enum without null in the list: tools disagree whether null is allowed (Shakedown allows it); add null to the enum',
    );
  }
  if (!v30 && Array.isArray(schema.type) && schema.type.includes('null')) {
    report(
      'nullable-enum-without-null',
      pointer,
      "type allows 'null' but the enum does not list null, so null is rejected; add null to the enum",
    );
  }
}

/** `additionalProperties: false` does not see properties declared by allOf siblings. */
function lintAllOfClosed(spec: ApiSpec, schema: Schema, pointer: string, report: Report): void {
  if (!Array.isArray(schema.allOf)) return;
  const members = schema.allOf.map((m) => deref(spec, m));
  const closedHere =
    schema.additionalProperties === false && members.some((m) => isObject(m) && isObject(m.properties));
  const closedMember =
    members.some((m) => isObject(m) && m.additionalProperties === false) && members.length > 1;
  if (closedHere || closedMember) {
    report(
      'allof-additional-properties',
      pointer,
      `additionalProperties: false ${closedHere ? 'next to' : 'inside'} allOf rejects properties declared by the other members; use unevaluatedProperties: false (3.1) or list every property`,
    );
  }
}

function lintDiscriminator(spec: ApiSpec, schema: Schema, pointer: string, report: Report): void {
  const discriminator = schema.discriminator;
  if (!isObject(discriminator)) return;
  if (!Array.isArray(schema.oneOf) && !Array.isArray(schema.anyOf)) {
    report(
      'discriminator-without-oneof',
      pointer,
      'discriminator without oneOf/anyOf does not select anything; Shakedown validates this schema without it',
    );
    return;
  }
  for (const [tag, target] of Object.entries(isObject(discriminator.mapping) ? discriminator.mapping : {})) {
    const resolved = typeof target === 'string' ? mappingPointer(target) : undefined;
    if (resolved === undefined || getAtPointer(spec.document, resolved) === undefined)
      report(
        'discriminator-mapping',
        `${pointer}/discriminator/mapping`,
        `mapping "${tag}" → ${JSON.stringify(target)} points to no schema`,
      );
  }
}

function lintOperations(spec: ApiSpec, report: Report): void {
  for (const op of spec.operations) {
    const keys = op.responses.map((r) => r.key.toUpperCase());
    if (!keys.some((k) => k.startsWith('4') || k === 'DEFAULT'))
      report(
        'no-4xx',
        `${op.pointer}/responses`,
        `${op.method} ${op.path} documents no 4xx response, so every client error is undocumented`,
      );
    for (const response of op.responses) {
      for (const media of response.content ?? []) {
        if (!media.schemaPointer)
          report(
            'response-without-schema',
            media.pointer,
            `${op.method} ${op.path} response ${response.key} ${media.mediaType} has no schema, so its body is not validated`,
          );
        else lintExamples(spec, 'response', media, report);
      }
    }
    for (const media of op.requestBody?.content ?? [])
      if (media.schemaPointer) lintExamples(spec, 'request', media, report);
  }
}

/** Examples that contradict their own schema: requests built from them are not positive requests. */
function lintExamples(spec: ApiSpec, direction: Direction, media: MediaTypeSpec, report: Report): void {
  if (!isJsonMediaType(media.mediaType)) return;
  for (const example of media.examples) {
    const issues = spec.validator.validate(direction, media.schemaPointer!, example.value);
    if (issues.length > 0)
      report(
        'example-invalid',
        example.pointer,
        `example "${example.name}" does not match its schema: ${formatIssue(issues[0])}`,
      );
  }
}

function deref(spec: ApiSpec, schema: unknown): unknown {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 16; hops++) {
    const target = refToPointer(node.$ref);
    node = target === undefined ? undefined : getAtPointer(spec.document, target);
  }
  return node;
}
