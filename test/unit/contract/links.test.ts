import { describe, expect, it } from 'vitest';
import { evaluate, type LinkSource } from '../../../src/contract/links.ts';

const source: LinkSource = {
  url: 'http://127.0.0.1:1/v1/sessions?x=1',
  request: {
    method: 'POST',
    pathParams: { tenant: 't1' },
    query: { x: '1' },
    headers: { 'X-Trace': 'abc' },
    cookies: {},
    body: { agent: 'billing', nested: { a: [10, 20] } },
    auth: true,
  },
  status: 201,
  headers: { location: '/v1/sessions/42' },
  json: { id: '42', 'a/b': 'slash', 'c~d': 'tilde' },
};

describe('runtime expressions', () => {
  const cases: [unknown, unknown][] = [
    ['$response.body#/id', '42'],
    ['$response.body#/a~1b', 'slash'],
    ['$response.body#/c~0d', 'tilde'],
    ['$response.header.Location', '/v1/sessions/42'],
    ['$request.body#/nested/a/1', 20],
    ['$request.path.tenant', 't1'],
    ['$request.query.x', '1'],
    ['$request.header.x-trace', 'abc'],
    ['$statusCode', 201],
    ['$method', 'POST'],
    ['$url', 'http://127.0.0.1:1/v1/sessions?x=1'],
    ['/v1/sessions/{$response.body#/id}/transcripts', '/v1/sessions/42/transcripts'],
    ['plain constant', 'plain constant'],
    [7, 7],
  ];
  for (const [expression, value] of cases) {
    it(`${String(expression)} → ${JSON.stringify(value)}`, () => {
      expect(evaluate(expression, source)).toEqual({ ok: true, value });
    });
  }

  it('an expression that finds nothing is an error, not an empty value', () => {
    expect(evaluate('$response.body#/missing', source)).toEqual({
      ok: false,
      error: '$response.body#/missing resolved to nothing',
    });
    expect(evaluate('$response.query.x', source)).toMatchObject({ ok: false });
    expect(evaluate('$nonsense', source)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a runtime expression/),
    });
  });
});
