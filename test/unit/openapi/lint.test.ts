import { describe, expect, it } from 'vitest';
import { lintSpec } from '../../../src/openapi/lint.ts';
import { specWith } from './spec-fixture.ts';

const ok = {
  '200': {
    description: 'ok',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
  },
  '404': { description: 'missing' },
};

describe('lintSpec', () => {
  it('warns about 3.0 pitfalls, each with its location', async () => {
    const { spec } = await specWith('3.0', ok, {
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: {
              a: { nullable: true, allOf: [{ type: 'string' }] },
              b: { type: 'string', nullable: true, enum: ['x', 'y'] },
              c: { $ref: '#/components/schemas/Base', description: 'ignored', nullable: true },
            },
          },
          Base: { type: 'object', properties: { id: { type: 'string' } } },
          Closed: {
            allOf: [
              { $ref: '#/components/schemas/Base' },
              { type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } },
            ],
          },
          Pet: { type: 'object', discriminator: { propertyName: 'kind' } },
        },
      },
    });
    const findings = lintSpec(spec);
    const byRule = (rule: string) => findings.filter((f) => f.rule === rule);
    expect(byRule('nullable-without-type').map((f) => f.pointer)).toEqual([
      '/components/schemas/Thing/properties/a',
    ]);
    expect(byRule('nullable-enum-without-null').map((f) => f.pointer)).toEqual([
      '/components/schemas/Thing/properties/b',
    ]);
    expect(byRule('ref-siblings')[0].message).toMatch(
      /^description, nullable next to \$ref are ignored in OpenAPI 3\.0/,
    );
    expect(byRule('allof-additional-properties').map((f) => f.pointer)).toEqual([
      '/components/schemas/Closed',
    ]);
    expect(byRule('discriminator-without-oneof').map((f) => f.pointer)).toEqual(['/components/schemas/Pet']);
    for (const finding of findings) expect(finding.location).toMatch(/spec-\d+\.yaml:\d+$/);
  });

  it('warns about 3.1 nullable leftovers and enums that leave out null', async () => {
    const { spec } = await specWith('3.1', ok, {
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: {
              a: { type: 'string', nullable: true },
              b: { type: ['string', 'null'], enum: ['x'] },
            },
          },
        },
      },
    });
    const rules = lintSpec(spec).map((f) => `${f.rule} ${f.pointer}`);
    expect(rules).toEqual([
      'nullable-in-3.1 /components/schemas/Thing/properties/a',
      'nullable-enum-without-null /components/schemas/Thing/properties/b',
    ]);
  });

  it('warns about operations without a 4xx, responses without a schema and examples that break their schema', async () => {
    const { spec } = await specWith(
      '3.1',
      {
        '200': {
          description: 'ok',
          content: {
            'application/json': {
              schema: { type: 'object', required: ['id'] },
              examples: { broken: { value: {} } },
            },
            'text/csv': {},
          },
        },
      },
      {
        operation: {
          requestBody: { content: { 'application/json': { schema: { type: 'integer' }, example: 'one' } } },
        },
      },
    );
    const findings = lintSpec(spec);
    expect(findings.map((f) => f.rule).sort()).toEqual([
      'example-invalid',
      'example-invalid',
      'no-4xx',
      'response-without-schema',
    ]);
    expect(findings.find((f) => f.pointer.endsWith('/examples/broken'))?.message).toMatch(
      /^example "broken" does not match its schema: \/id: is required but missing/,
    );
    expect(
      findings.find((f) => f.pointer.endsWith('/requestBody/content/application~1json/example')),
    ).toBeDefined();
  });

  it('finds nothing in a clean spec', async () => {
    const { spec } = await specWith('3.1', ok, { components: { schemas: { Thing: { type: 'object' } } } });
    expect(lintSpec(spec)).toEqual([]);
  });
});
