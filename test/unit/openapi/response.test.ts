import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/openapi/load.ts';
import { checkResponse, failures, specWith, type Version } from './spec-fixture.ts';

const both: Version[] = ['3.0', '3.1'];
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/openapi');
const text = { type: 'string' };

interface Case {
  name: string;
  responses: Record<string, unknown>;
  components?: Record<string, unknown>;
  status: number;
  headers: Record<string, string>;
  body?: string;
  strictBodies?: boolean;
  /** `check: text` fragments that must appear; none means the response passes. */
  expected?: string[];
}

const media = (types: Record<string, unknown>) => ({ '200': { description: 'ok', content: types } });
const json = '{"a":1}';

const cases: Case[] = [
  // media types chosen by the actual Content-Type, parameters and wildcards handled
  {
    name: 'a charset parameter still matches application/json',
    responses: media({ 'application/json': {} }),
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: json,
  },
  {
    name: 'application/* covers application/json',
    responses: media({ 'application/*': {} }),
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: json,
  },
  {
    name: '*/* covers anything',
    responses: media({ '*/*': {} }),
    status: 200,
    headers: { 'content-type': 'image/png' },
    body: 'x',
  },
  {
    name: 'the most specific entry wins over */*',
    responses: media({ '*/*': { schema: text }, 'application/json': { schema: { type: 'object' } } }),
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '"a string"',
    expected: ['response-schema: /: must be object'],
  },
  {
    name: 'a documented parameter must match',
    responses: media({ 'text/plain; version=0.0.4': { schema: text } }),
    status: 200,
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: 'metric 1',
  },
  {
    name: 'a different parameter value does not match',
    responses: media({ 'text/plain; version=0.0.4': { schema: text } }),
    status: 200,
    headers: { 'content-type': 'text/plain; version=1.0.0' },
    body: 'metric 1',
    expected: ['content-type: Content-Type text/plain; version=1.0.0 is not documented'],
  },
  {
    name: 'an undocumented media type fails',
    responses: media({ 'application/json': {} }),
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: '<html>',
    expected: [
      'content-type: Content-Type text/html is not documented for 200 (documented: application/json)',
    ],
  },
  {
    name: 'problem+json is not application/json',
    responses: media({ 'application/json': {} }),
    status: 200,
    headers: { 'content-type': 'application/problem+json' },
    body: json,
    expected: ['content-type: Content-Type application/problem+json is not documented'],
  },
  {
    name: 'a body without Content-Type fails',
    responses: media({ 'application/json': {} }),
    status: 200,
    headers: {},
    body: json,
    expected: ['content-type: the response has a body but no Content-Type'],
  },
  {
    name: 'a documented body that is missing fails',
    responses: media({ 'application/json': { schema: { type: 'object' } } }),
    status: 200,
    headers: {},
    body: '',
    expected: ['content-type: the response has no body, but the spec documents one'],
  },
  {
    name: 'invalid JSON fails the schema check',
    responses: media({ 'application/json': { schema: { type: 'object' } } }),
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"a":',
    expected: ['response-schema: the body is not valid JSON'],
  },
  // no content in the spec: the body must be empty, 204 included
  {
    name: '204 without a body passes',
    responses: { '204': { description: 'gone' } },
    status: 204,
    headers: {},
    body: '',
  },
  {
    name: '204 with a body fails',
    responses: { '204': { description: 'gone' } },
    status: 204,
    headers: { 'content-type': 'text/plain' },
    body: 'deleted',
    expected: [
      'content-type: the spec documents no body for 204, but the response has 7 bytes of text/plain',
    ],
  },
  {
    name: '200 documented without content must be empty with strictBodies',
    responses: { '200': { description: 'ok' } },
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: json,
    strictBodies: true,
    expected: ['content-type: the spec documents no body for 200'],
  },
  // status precedence: exact, then range, then default
  {
    name: 'an exact code wins over its range',
    responses: {
      '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } },
      '2XX': { description: 'any', content: { 'application/json': { schema: text } } },
    },
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: json,
  },
  {
    name: 'a range wins over default',
    responses: {
      '2XX': { description: 'any', content: { 'application/json': { schema: { type: 'object' } } } },
      default: { description: 'err', content: { 'application/json': { schema: text } } },
    },
    status: 201,
    headers: { 'content-type': 'application/json' },
    body: json,
  },
  {
    name: 'default covers what nothing else does',
    responses: {
      '200': { description: 'ok' },
      default: { description: 'err', content: { 'application/json': { schema: text } } },
    },
    status: 404,
    headers: { 'content-type': 'application/json' },
    body: json,
    expected: ['response-schema: /: must be string'],
  },
  {
    name: 'an undocumented status fails',
    responses: { '200': { description: 'ok' }, '404': { description: 'missing' } },
    status: 500,
    headers: {},
    body: '',
    expected: [
      'status-documented: status 500 is not documented (documented: 200, 404)',
      'no-server-error: the target answered 500',
    ],
  },
  // response headers: names case-insensitive, values deserialized by schema, Content-Type ignored
  {
    name: 'header names are case-insensitive',
    responses: {
      '200': { description: 'ok', headers: { 'X-Request-Id': { required: true, schema: text } } },
    },
    status: 200,
    headers: { 'x-request-id': 'abc' },
  },
  {
    name: 'a required header that is missing fails',
    responses: {
      '200': { description: 'ok', headers: { 'X-Request-Id': { required: true, schema: text } } },
    },
    status: 200,
    headers: {},
    expected: ['response-headers: header X-Request-Id: is required but missing'],
  },
  {
    name: 'an integer header is parsed before validation',
    responses: {
      '200': { description: 'ok', headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } } },
    },
    status: 200,
    headers: { 'retry-after': '42' },
  },
  {
    name: 'a non-integer header fails as text',
    responses: { '200': { description: 'ok', headers: { 'Retry-After': { schema: { type: 'integer' } } } } },
    status: 200,
    headers: { 'retry-after': 'soon' },
    expected: ['response-headers: header Retry-After: must be integer, got string "soon" (type'],
  },
  {
    name: 'an array header is split (simple style)',
    responses: {
      '200': {
        description: 'ok',
        headers: { 'X-Ids': { schema: { type: 'array', items: { type: 'integer' }, maxItems: 3 } } },
      },
    },
    status: 200,
    headers: { 'x-ids': '1, 2,3' },
  },
  {
    name: 'an array header item is validated',
    responses: {
      '200': {
        description: 'ok',
        headers: { 'X-Ids': { schema: { type: 'array', items: { type: 'integer' } } } },
      },
    },
    status: 200,
    headers: { 'x-ids': '1,two' },
    expected: ['response-headers: header X-Ids/1: must be integer'],
  },
  {
    name: 'an object header is split into pairs',
    responses: {
      '200': {
        description: 'ok',
        headers: {
          'X-Quota': {
            schema: {
              type: 'object',
              required: ['limit'],
              properties: { limit: { type: 'integer' }, used: { type: 'integer' } },
            },
          },
        },
      },
    },
    status: 200,
    headers: { 'x-quota': 'limit,10,used,3' },
  },
  {
    name: 'an exploded object header uses k=v',
    responses: {
      '200': {
        description: 'ok',
        headers: {
          'X-Quota': {
            explode: true,
            schema: { type: 'object', properties: { limit: { type: 'integer', maximum: 5 } } },
          },
        },
      },
    },
    status: 200,
    headers: { 'x-quota': 'limit=10' },
    expected: ['response-headers: header X-Quota/limit: must be <= 5'],
  },
  {
    name: 'a Content-Type entry in headers is ignored',
    responses: {
      '200': {
        description: 'ok',
        headers: { 'Content-Type': { required: true, schema: { type: 'integer' } } },
      },
    },
    status: 200,
    headers: {},
  },
  {
    name: 'a header schema behind $ref is followed',
    responses: {
      '200': { description: 'ok', headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } },
    },
    components: { headers: { RetryAfter: { required: true, schema: { type: 'integer' } } } },
    status: 200,
    headers: { 'retry-after': '1.5' },
    expected: ['response-headers: header Retry-After: must be integer'],
  },
];

describe('checkResponse', () => {
  for (const c of cases) {
    for (const version of both) {
      it(`${version}: ${c.name}`, async () => {
        const { spec, op } = await specWith(version, c.responses, { components: c.components });
        const errors = failures(
          checkResponse(
            spec,
            op,
            { status: c.status, headers: c.headers, body: c.body ?? '' },
            { strictBodies: c.strictBodies },
          ),
        );
        if (!c.expected) expect(errors).toEqual([]);
        else
          for (const fragment of c.expected)
            expect(
              errors.some((e) => e.includes(fragment)),
              `${fragment}\nin:\n${errors.join('\n')}`,
            ).toBe(true);
      });
    }
  }

  it('a body on a response documented without content is a warning unless strictBodies', async () => {
    const { spec, op } = await specWith('3.1', {
      '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } },
      '404': { description: 'not found' },
    });
    const response = {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: '{"detail":"no"}',
    };
    const lenient = checkResponse(spec, op, response);
    expect(failures(lenient)).toEqual([]);
    expect(lenient.warnings['content-type']).toEqual([
      'the spec documents no body for 404, but the response has 15 bytes of application/json',
    ]);
    const strict = checkResponse(spec, op, response, { strictBodies: true });
    expect(failures(strict)).toEqual([
      'content-type: the spec documents no body for 404, but the response has 15 bytes of application/json',
    ]);
  });

  it('a documented 5xx is a warning, not a failure', async () => {
    const { spec, op } = await specWith('3.1', { '503': { description: 'down' } });
    const findings = checkResponse(spec, op, { status: 503, headers: {}, body: '' });
    expect(failures(findings)).toEqual([]);
    expect(findings.warnings['no-server-error']).toEqual(['the target answered 503 (documented as 503)']);
  });

  it('a body over the size limit is not validated and says so', async () => {
    const { spec, op } = await specWith('3.1', media({ 'application/json': { schema: { type: 'object' } } }));
    const findings = checkResponse(spec, op, {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
      truncated: true,
    });
    expect(failures(findings)).toEqual([]);
    expect(findings.warnings['response-schema']?.[0]).toMatch(/larger than the size limit/);
  });

  it('follows external $refs across files and reports the line in the file that holds the schema', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'split/openapi.yaml'), { displayRoot: FIXTURES });
    const getPet = spec.operations.find((op) => op.operationId === 'getPet')!;
    const body = JSON.stringify({ id: 1, name: 'Rex', owner: { name: 'Ann', pets: [{ id: 2, name: 3 }] } });
    const errors = failures(
      checkResponse(spec, getPet, { status: 200, headers: { 'content-type': 'application/json' }, body }),
    );
    expect(errors).toEqual([
      'response-schema: /owner/pets/0/name: must be string, got integer 3 (type, split/schemas/pet.yaml:10)',
    ]);
    const notFound = checkResponse(spec, getPet, {
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
      body: '{"title":"x"}',
    });
    expect(failures(notFound)).toEqual([
      'response-schema: /status: is required but missing (required, split/responses.yaml:7)',
    ]);
  });

  it('validates circular schemas at any depth', async () => {
    const spec = await loadSpec(path.join(FIXTURES, 'split/openapi.yaml'), { displayRoot: FIXTURES });
    const getTree = spec.operations.find((op) => op.operationId === 'getTree')!;
    const deep = {
      label: 'a',
      children: [{ label: 'b', children: [{ label: 'c', children: [{ label: 4 }] }] }],
    };
    const ok = { label: 'a', children: [{ label: 'b', children: [{ label: 'c', children: [] }] }] };
    const check = (value: unknown) =>
      failures(
        checkResponse(spec, getTree, {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(value),
        }),
      );
    expect(check(ok)).toEqual([]);
    expect(check(deep)).toEqual([
      'response-schema: /children/0/children/0/children/0/label: must be string, got integer 4 (type, split/schemas/tree.yaml:6)',
    ]);
  });
});
