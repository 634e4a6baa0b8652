import { describe, expect, it } from 'vitest';
import { recordBranches } from '../../../src/openapi/branches.ts';
import { formatIssue } from '../../../src/openapi/issues.ts';
import { specWith, specWithSchema } from './spec-fixture.ts';

const user = {
  type: 'object',
  required: ['id', 'name', 'password'],
  properties: {
    id: { type: 'string', readOnly: true },
    name: { type: 'string' },
    password: { type: 'string', writeOnly: true },
  },
};

describe('SchemaValidator', () => {
  it('is direction-aware: readOnly is not required in requests, writeOnly not in responses', async () => {
    const { spec } = await specWith(
      '3.1',
      { '200': { description: 'ok' } },
      { components: { schemas: { User: user } } },
    );
    const pointer = '/components/schemas/User';
    expect(spec.validator.validate('request', pointer, { name: 'a', password: 'p' })).toEqual([]);
    expect(spec.validator.validate('response', pointer, { id: '1', name: 'a' })).toEqual([]);
    const leak = spec.validator.validate('response', pointer, { id: '1', name: 'a', password: 'p' });
    expect(leak.map((i) => formatIssue(i))).toEqual([
      expect.stringMatching(
        /^\/password: is writeOnly in the spec and must not appear in a response \(writeOnly, .*spec-\d+\.yaml:\d+\)$/,
      ),
    ]);
    expect(spec.validator.validate('request', pointer, { password: 'p' }).map((i) => i.path)).toEqual([
      '/name',
    ]);
  });

  it('compiles each schema once, on first use', async () => {
    const { spec } = await specWithSchema('3.1', { type: 'object' });
    expect(spec.validator.compiledCount).toBe(0);
    const pointer = spec.operations[0].responses[0].content![0].schemaPointer!;
    for (let i = 0; i < 3; i++) spec.validator.isValid('response', pointer, {});
    expect(spec.validator.compiledCount).toBe(1);
  });

  it('formats an issue as path: message (keyword, file:line), naming a non-body root', () => {
    const issue = { path: '/0', message: 'must be integer', keyword: 'type', location: 'api.yaml:12' };
    expect(formatIssue(issue)).toBe('/0: must be integer (type, api.yaml:12)');
    expect(formatIssue({ ...issue, path: '' }, 'header X-Ids')).toBe(
      'header X-Ids: must be integer (type, api.yaml:12)',
    );
    expect(formatIssue({ ...issue, path: '', location: undefined })).toBe('/: must be integer (type)');
  });

  it('records which oneOf branch and discriminator tag each valid response took', async () => {
    const schemas = {
      Cat: {
        type: 'object',
        required: ['kind', 'meow'],
        properties: { kind: { const: 'cat' }, meow: { type: 'boolean' } },
      },
      Dog: {
        type: 'object',
        required: ['kind', 'bark'],
        properties: { kind: { const: 'dog' }, bark: { type: 'boolean' } },
      },
    };
    const { spec } = await specWithSchema(
      '3.1',
      {
        type: 'object',
        properties: {
          pets: {
            type: 'array',
            items: { oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }] },
          },
          owner: {
            oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
            discriminator: { propertyName: 'kind', mapping: { cat: 'Cat', dog: 'Dog' } },
          },
        },
      },
      { schemas },
    );
    const pointer = spec.operations[0].responses[0].content![0].schemaPointer!;
    const seen = new Map<string, Set<string>>();
    recordBranches(
      spec.validator,
      pointer,
      {
        pets: [
          { kind: 'dog', bark: true },
          { kind: 'dog', bark: false },
        ],
        owner: { kind: 'cat', meow: true },
      },
      seen,
    );
    const flat = Object.fromEntries([...seen].map(([k, v]) => [k, [...v]]));
    expect(flat).toEqual({
      [`${pointer}/properties/pets/items (oneOf)`]: ['Dog'],
      [`${pointer}/properties/owner (discriminator)`]: ['cat'],
    });
  });
});
