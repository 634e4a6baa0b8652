import { describe, expect, it } from 'vitest';
import { checkResponse, failures, jsonResponse, specWithSchema, type Version } from './spec-fixture.ts';

/**
 * The places JavaScript OpenAPI validators usually get wrong, each as (version, schema, response body)
 * → verdict and, for a failure, the error's path and keyword. `only` names what must not be reported
 * (errors from other branches).
 */
interface Case {
  name: string;
  versions: Version[];
  schema: unknown;
  components?: Record<string, unknown>;
  body: unknown;
  /** Raw JSON text, when JSON.stringify cannot express the body (big integers). */
  raw?: string;
  expected: 'pass' | { path: string; keyword: string; message?: RegExp; absent?: RegExp };
}

const both: Version[] = ['3.0', '3.1'];
const pet = {
  Cat: {
    type: 'object',
    required: ['petType', 'meow'],
    properties: { petType: { type: 'string' }, meow: { type: 'boolean' } },
  },
  Dog: {
    type: 'object',
    required: ['petType', 'bark'],
    properties: { petType: { type: 'string' }, bark: { type: 'string' } },
  },
};
const discriminated = {
  oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
  discriminator: { propertyName: 'petType', mapping: { cat: '#/components/schemas/Cat', dog: 'Dog' } },
};

const cases: Case[] = [
  // nullable
  {
    name: '3.0 nullable string accepts null',
    versions: ['3.0'],
    schema: { type: 'string', nullable: true },
    body: null,
    expected: 'pass',
  },
  {
    name: '3.0 string without nullable rejects null',
    versions: ['3.0'],
    schema: { type: 'string' },
    body: null,
    expected: { path: '/', keyword: 'type', message: /must be string, got null/ },
  },
  {
    name: '3.0 nullable without type has no effect',
    versions: ['3.0'],
    schema: { nullable: true, allOf: [{ type: 'string' }] },
    body: null,
    expected: { path: '/', keyword: 'type' },
  },
  {
    name: '3.0 nullable next to $ref is ignored',
    versions: ['3.0'],
    schema: { $ref: '#/components/schemas/Name', nullable: true },
    components: { Name: { type: 'string' } },
    body: null,
    expected: { path: '/', keyword: 'type' },
  },
  {
    name: '3.0 nullable object with allOf accepts null',
    versions: ['3.0'],
    schema: { type: 'object', nullable: true, allOf: [{ $ref: '#/components/schemas/Base' }] },
    components: { Base: { type: 'object', required: ['id'] } },
    body: null,
    expected: 'pass',
  },
  {
    name: '3.0 nullable object with allOf still checks objects',
    versions: ['3.0'],
    schema: { type: 'object', nullable: true, allOf: [{ $ref: '#/components/schemas/Base' }] },
    components: { Base: { type: 'object', required: ['id'] } },
    body: {},
    expected: { path: '/id', keyword: 'required', absent: /type/ },
  },
  {
    name: '3.1 type with null accepts null',
    versions: ['3.1'],
    schema: { type: ['string', 'null'] },
    body: null,
    expected: 'pass',
  },
  {
    name: '3.1 ignores the 3.0 nullable keyword',
    versions: ['3.1'],
    schema: { type: 'string', nullable: true },
    body: null,
    expected: { path: '/', keyword: 'type' },
  },
  // enums with null
  {
    name: '3.0 nullable enum accepts null',
    versions: ['3.0'],
    schema: { type: 'string', nullable: true, enum: ['a', 'b'] },
    body: null,
    expected: 'pass',
  },
  {
    name: '3.0 nullable enum rejects other values',
    versions: ['3.0'],
    schema: { type: 'string', nullable: true, enum: ['a', 'b'] },
    body: 'c',
    expected: { path: '/', keyword: 'enum', message: /one of "a", "b"/ },
  },
  {
    name: '3.1 enum without null rejects null even if type allows it',
    versions: ['3.1'],
    schema: { type: ['string', 'null'], enum: ['a', 'b'] },
    body: null,
    expected: { path: '/', keyword: 'enum' },
  },
  {
    name: '3.1 enum listing null accepts null',
    versions: ['3.1'],
    schema: { type: ['string', 'null'], enum: ['a', 'b', null] },
    body: null,
    expected: 'pass',
  },
  // formats (ajv-formats full mode + OpenAPI's own)
  {
    name: 'date-time rejects prose',
    versions: both,
    schema: { type: 'string', format: 'date-time' },
    body: 'yesterday',
    expected: { path: '/', keyword: 'format', message: /valid date-time/ },
  },
  {
    name: 'date-time rejects an impossible date (full mode)',
    versions: both,
    schema: { type: 'string', format: 'date-time' },
    body: '2024-02-30T10:00:00Z',
    expected: { path: '/', keyword: 'format' },
  },
  {
    name: 'date-time accepts RFC 3339',
    versions: both,
    schema: { type: 'string', format: 'date-time' },
    body: '2024-02-29T10:00:00.123+01:00',
    expected: 'pass',
  },
  {
    name: 'uuid rejects a non-uuid',
    versions: both,
    schema: { type: 'string', format: 'uuid' },
    body: 'abc',
    expected: { path: '/', keyword: 'format' },
  },
  {
    name: 'email rejects a non-address',
    versions: both,
    schema: { type: 'string', format: 'email' },
    body: 'not an email',
    expected: { path: '/', keyword: 'format' },
  },
  {
    name: 'int32 rejects 2^31',
    versions: both,
    schema: { type: 'integer', format: 'int32' },
    body: 2 ** 31,
    expected: { path: '/', keyword: 'format' },
  },
  {
    name: 'int32 accepts 2^31 - 1',
    versions: both,
    schema: { type: 'integer', format: 'int32' },
    body: 2 ** 31 - 1,
    expected: 'pass',
  },
  {
    name: 'int64 accepts integers past 2^53',
    versions: both,
    schema: { type: 'integer', format: 'int64' },
    body: null,
    raw: '9007199254740993',
    expected: 'pass',
  },
  {
    name: 'int64 rejects a fraction',
    versions: both,
    schema: { type: 'integer', format: 'int64' },
    body: 1.5,
    expected: { path: '/', keyword: 'type' },
  },
  {
    name: 'float rejects a value past its range',
    versions: both,
    schema: { type: 'number', format: 'float' },
    body: 1e39,
    expected: { path: '/', keyword: 'format' },
  },
  {
    name: 'unknown formats are annotations',
    versions: both,
    schema: { type: 'string', format: 'phone-ish' },
    body: 'anything',
    expected: 'pass',
  },
  // bounds
  {
    name: '3.0 boolean exclusiveMinimum',
    versions: ['3.0'],
    schema: { type: 'number', minimum: 0, exclusiveMinimum: true },
    body: 0,
    expected: { path: '/', keyword: 'exclusiveMinimum' },
  },
  {
    name: '3.0 exclusiveMinimum false keeps minimum inclusive',
    versions: ['3.0'],
    schema: { type: 'number', minimum: 0, exclusiveMinimum: false },
    body: 0,
    expected: 'pass',
  },
  {
    name: '3.1 numeric exclusiveMinimum',
    versions: ['3.1'],
    schema: { type: 'number', exclusiveMinimum: 0 },
    body: 0,
    expected: { path: '/', keyword: 'exclusiveMinimum' },
  },
  // readOnly / writeOnly in a response
  {
    name: 'a writeOnly property in a response fails',
    versions: both,
    schema: {
      type: 'object',
      properties: { id: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    },
    body: { id: '1', password: 'x' },
    expected: { path: '/password', keyword: 'writeOnly', message: /must not appear in a response/ },
  },
  {
    name: 'a writeOnly property behind $ref fails',
    versions: both,
    schema: { type: 'object', properties: { secret: { $ref: '#/components/schemas/Secret' } } },
    components: { Secret: { type: 'string', writeOnly: true } },
    body: { secret: 's' },
    expected: { path: '/secret', keyword: 'writeOnly' },
  },
  {
    name: 'a required writeOnly property may be absent from a response',
    versions: both,
    schema: {
      type: 'object',
      required: ['id', 'password'],
      properties: { id: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    },
    body: { id: '1' },
    expected: 'pass',
  },
  {
    name: 'readOnly properties stay required in responses',
    versions: both,
    schema: { type: 'object', required: ['id'], properties: { id: { type: 'string', readOnly: true } } },
    body: {},
    expected: { path: '/id', keyword: 'required' },
  },
  // discriminator with mapping
  {
    name: 'discriminator picks the mapped branch',
    versions: both,
    schema: discriminated,
    components: pet,
    body: { petType: 'cat', meow: true },
    expected: 'pass',
  },
  {
    name: 'discriminator reports only the tagged branch',
    versions: both,
    schema: discriminated,
    components: pet,
    body: { petType: 'cat', bark: 'woof' },
    expected: { path: '/meow', keyword: 'required', absent: /\/bark|oneOf/ },
  },
  {
    name: 'discriminator fails an unknown tag',
    versions: both,
    schema: discriminated,
    components: pet,
    body: { petType: 'fish' },
    expected: {
      path: '/petType',
      keyword: 'discriminator',
      message: /unknown discriminator value "fish"; expected one of "cat", "dog"/,
    },
  },
  {
    name: 'discriminator fails a missing tag',
    versions: both,
    schema: discriminated,
    components: pet,
    body: { meow: true },
    expected: { path: '/petType', keyword: 'discriminator' },
  },
  {
    name: 'discriminator follows the tag, not the shape',
    versions: both,
    schema: discriminated,
    components: pet,
    body: { petType: 'dog', meow: true },
    expected: { path: '/bark', keyword: 'required', absent: /\/meow/ },
  },
  // closest branch for oneOf / anyOf without a discriminator
  {
    name: 'oneOf reports the closest branch only',
    versions: both,
    schema: {
      oneOf: [
        { type: 'string' },
        {
          type: 'object',
          required: ['a', 'b'],
          properties: { a: { type: 'string' }, b: { type: 'integer' } },
        },
      ],
    },
    body: { a: 'x', b: 'y' },
    expected: { path: '/b', keyword: 'type', absent: /must be string, got object/ },
  },
  {
    name: 'anyOf reports the closest branch only',
    versions: both,
    schema: { anyOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }] },
    components: pet,
    body: { petType: 'x', bark: 3 },
    expected: { path: '/bark', keyword: 'type', absent: /\/meow/ },
  },
  {
    name: 'oneOf matching two branches fails',
    versions: both,
    schema: { oneOf: [{ type: 'number' }, { type: 'integer' }] },
    body: 1,
    expected: { path: '/', keyword: 'oneOf', message: /more than one/ },
  },
  {
    name: 'nested oneOf inside the closest branch is explained too',
    versions: both,
    schema: {
      type: 'object',
      properties: {
        shape: {
          oneOf: [
            { type: 'string' },
            { type: 'object', required: ['r'], properties: { r: { type: 'number' } } },
          ],
        },
      },
    },
    body: { shape: { r: 'big' } },
    expected: { path: '/shape/r', keyword: 'type' },
  },
  // circular schemas
  {
    name: 'circular schemas validate deep values',
    versions: both,
    schema: { $ref: '#/components/schemas/Node' },
    components: {
      Node: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, child: { $ref: '#/components/schemas/Node' } },
      },
    },
    body: { name: 'a', child: { name: 'b', child: { name: 3 } } },
    expected: { path: '/child/child/name', keyword: 'type' },
  },
  // additionalProperties
  {
    name: 'additionalProperties false names the extra field',
    versions: both,
    schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } },
    body: { a: 'x', leaked: 1 },
    expected: { path: '/leaked', keyword: 'additionalProperties' },
  },
];

describe('response schema validation pitfalls', () => {
  for (const c of cases) {
    for (const version of c.versions) {
      it(`${version}: ${c.name}`, async () => {
        const { spec, op } = await specWithSchema(
          version,
          c.schema,
          c.components ? { schemas: c.components } : undefined,
        );
        const errors = failures(checkResponse(spec, op, jsonResponse(c.body, 200, c.raw)));
        if (c.expected === 'pass') {
          expect(errors).toEqual([]);
          return;
        }
        const { path, keyword, message, absent } = c.expected;
        const hit = errors.find(
          (e) => e.startsWith(`response-schema: ${path}: `) && e.includes(`(${keyword}`),
        );
        expect(hit, `no ${keyword} error at ${path} in:\n${errors.join('\n')}`).toBeDefined();
        if (message) expect(hit).toMatch(message);
        // Every error names its spec location, file and line.
        expect(hit).toMatch(/spec-\d+\.yaml:\d+\)$/);
        if (absent) for (const e of errors) expect(e).not.toMatch(absent);
      });
    }
  }
});
