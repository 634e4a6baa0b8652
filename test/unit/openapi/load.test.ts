import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, ShakedownError } from '../../../src/errors.ts';
import { loadSpec } from '../../../src/openapi/load.ts';
import { tempDir } from '../../helpers/cli.ts';

const dir = tempDir('shakedown-spec-load-');
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/openapi');

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const header = (version = '3.1.0') => `openapi: ${version}\ninfo:\n  title: t\n  version: '1'\n`;

/** Each broken spec, and what the error must say: file, JSON pointer, problem and line. */
const invalid: { name: string; file: string; text: string; message: RegExp }[] = [
  {
    name: 'a $ref to nothing',
    file: 'missing-ref.yaml',
    text: `${header()}paths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Nope'\n`,
    message:
      /^missing-ref\.yaml: \/paths\/~1x\/get\/responses\/200\/content\/application~1json\/schema \$ref "#\/components\/schemas\/Nope" points to nothing \(line 14\)$/,
  },
  {
    name: 'YAML syntax',
    file: 'yaml-syntax.yaml',
    text: `${header()}paths: {\n  /x: [\n`,
    message: /^yaml-syntax\.yaml: \/ is not valid YAML or JSON: .+ \(line \d+\)$/,
  },
  {
    name: 'a response without description (3.1 meta-schema)',
    file: 'no-description.yaml',
    text: `${header()}paths:\n  /x:\n    get:\n      responses:\n        '200':\n          content: {}\n`,
    message:
      /^no-description\.yaml: \/paths\/~1x\/get\/responses\/200 must have required property 'description' \(line 9\)$/,
  },
  {
    name: 'a parameter in an unknown place (3.0 meta-schema)',
    file: 'bad-in.yaml',
    text: `${header('3.0.3')}paths:\n  /x:\n    get:\n      parameters:\n        - name: a\n          in: querry\n          schema: {type: string}\n      responses:\n        '200':\n          description: ok\n`,
    message:
      /^bad-in\.yaml: \/paths\/~1x\/get\/parameters\/0\/in must be one of "path", "query", "header", "cookie" \(line 10\)$/,
  },
  {
    name: 'a 3.1 schema that is not JSON Schema',
    file: 'bad-type.yaml',
    text: `${header()}paths: {}\ncomponents:\n  schemas:\n    Bad:\n      type: strng\n`,
    message:
      /^bad-type\.yaml: \/components\/schemas\/Bad\/type must be (equal to one of the allowed values|one of .*) \(line 9\)$/,
  },
  {
    name: 'a path parameter that is not declared',
    file: 'undeclared.yaml',
    text: `${header()}paths:\n  /x/{id}:\n    get:\n      responses:\n        '200':\n          description: ok\n`,
    message:
      /^undeclared\.yaml: \/paths\/~1x~1\{id\}\/get has no path parameter "id" for the template \/x\/\{id\}; declare it under parameters \(line 7\)$/,
  },
  {
    name: 'a duplicated operationId',
    file: 'duplicate.yaml',
    text: `${header()}paths:\n  /a:\n    get:\n      operationId: same\n      responses: {'200': {description: ok}}\n  /b:\n    get:\n      operationId: same\n      responses: {'200': {description: ok}}\n`,
    message:
      /^duplicate\.yaml: \/paths\/~1b\/get\/operationId duplicates the operationId of GET \/a \(line 12\)$/,
  },
  {
    name: 'a pattern that is not a regular expression',
    file: 'bad-pattern.yaml',
    text: `${header()}paths: {}\ncomponents:\n  schemas:\n    Code:\n      type: string\n      pattern: '([a-z'\n`,
    message:
      /^bad-pattern\.yaml: \/components\/schemas\/Code\/pattern is not an ECMA-262 regular expression: .+ \(line 10\)$/,
  },
  {
    name: 'an unsupported OpenAPI version',
    file: 'version.yaml',
    text: `openapi: 2.5.0\ninfo: {title: t, version: '1'}\npaths: {}\n`,
    message: /^version\.yaml: \/openapi is .*2\.5\.0.*3\.0\.x and 3\.1\.x/,
  },
  {
    name: 'an unsupported jsonSchemaDialect',
    file: 'dialect.yaml',
    text: `${header()}jsonSchemaDialect: http://json-schema.org/draft-04/schema#\npaths: {}\n`,
    message:
      /^dialect\.yaml: \/jsonSchemaDialect "http:\/\/json-schema\.org\/draft-04\/schema#" is not supported.* \(line 5\)$/,
  },
];

describe('loadSpec', () => {
  for (const c of invalid) {
    it(`rejects ${c.name} with file, pointer and line (exit 2)`, async () => {
      const file = write(c.file, c.text);
      const error = await loadSpec(file, { displayRoot: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShakedownError);
      expect((error as ShakedownError).code).toBe('SHK_SPEC_INVALID');
      expect((error as ShakedownError).exitCode).toBe(ExitCode.BadInput);
      expect((error as Error).message).toMatch(c.message);
    });
  }

  it('names a missing file and how to fix it', async () => {
    const error = (await loadSpec(path.join(dir, 'nope.yaml')).catch((e: unknown) => e)) as ShakedownError;
    expect(error.code).toBe('SHK_SPEC_INVALID');
    expect(error.message).toMatch(
      /nope\.yaml: the OpenAPI document does not exist\. Set contracts\.spec or target\.openapi/,
    );
  });

  it('reads JSON as well as YAML', async () => {
    const file = write(
      'spec.json',
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
      }),
    );
    const spec = await loadSpec(file);
    expect(spec.version).toBe('3.0');
    expect(spec.operations.map((op) => op.key)).toEqual(['GET /a']);
  });

  it('bundles a spec split across files and keeps circular schemas finite', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'split/openapi.yaml'));
    expect(spec.operations.map((op) => [op.key, op.method, op.path])).toEqual([
      ['getPet', 'GET', '/pets/{petId}'],
      ['getTree', 'GET', '/trees'],
    ]);
    expect(spec.operations[0].parameters.map((p) => [p.in, p.name, p.required])).toEqual([
      ['path', 'petId', true],
    ]);
    expect(() => JSON.stringify(spec.document)).not.toThrow();
  });

  it('honours jsonSchemaDialect and the server base path', async () => {
    const file = write(
      'draft7.yaml',
      `${header()}jsonSchemaDialect: http://json-schema.org/draft-07/schema#\nservers:\n  - url: https://api.example.com/v2\npaths: {}\n`,
    );
    const spec = await loadSpec(file);
    expect(spec.dialect).toBe('draft-07');
    expect(spec.basePath).toBe('/v2');
  });

  it('resolves security: operation level over document level, {} making it public', async () => {
    const file = write(
      'security.yaml',
      `${header()}security: [{bearer: []}]\npaths:\n  /private:\n    get:\n      responses: {'200': {description: ok}}\n  /public:\n    get:\n      security: []\n      responses: {'200': {description: ok}}\n  /optional:\n    get:\n      security: [{}, {key: []}]\n      responses: {'200': {description: ok}}\ncomponents:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n    key: {type: apiKey, in: header, name: X-Api-Key}\n`,
    );
    const spec = await loadSpec(file);
    const security = Object.fromEntries(spec.operations.map((op) => [op.path, op.security]));
    expect(security['/private']).toEqual([
      [{ name: 'bearer', type: 'http', scheme: 'bearer', in: undefined, paramName: undefined }],
    ]);
    expect(security['/public']).toEqual([]);
    expect(security['/optional']).toEqual([]);
  });
});
