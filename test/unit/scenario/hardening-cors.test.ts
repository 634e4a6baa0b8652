import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/http/client.ts';
import {
  allowedProblems,
  type CorsPlan,
  disallowedOrigins,
  judgeDisallowed,
} from '../../../src/scenario/builtin/hardening/cors.ts';

const ALLOWED = 'https://app.example.test';

describe('disallowedOrigins', () => {
  it('builds look-alikes of each allowed origin', () => {
    expect(disallowedOrigins([ALLOWED])).toEqual([
      'https://evil.test',
      'null',
      'https://app.example.test.evil.test',
      'https://evilapp.example.test',
      'https://appxexample.test',
      'http://app.example.test',
      'https://app.example.test:8443',
    ]);
  });

  it('keeps ports and never lists an allowed origin', () => {
    const origins = disallowedOrigins(['http://localhost:3000', 'https://localhost:3000']);
    expect(origins).toContain('http://localhost.evil.test:3000');
    expect(origins).not.toContain('https://localhost:3000');
    expect(origins).not.toContain('http://localhost:3000');
  });
});

describe('judgeDisallowed', () => {
  it('passes no ACAO, or another allowed origin', () => {
    expect(judgeDisallowed('https://evil.test', {}, [ALLOWED])).toBeUndefined();
    expect(
      judgeDisallowed('https://evil.test', { 'access-control-allow-origin': ALLOWED }, [ALLOWED]),
    ).toBeUndefined();
  });

  it('fails reflection, and says when credentials are allowed', () => {
    const judged = judgeDisallowed(
      'null',
      { 'access-control-allow-origin': 'null', 'access-control-allow-credentials': 'true' },
      [ALLOWED],
    );
    expect(judged).toEqual({ level: 'fail', note: 'null was reflected with credentials allowed' });
  });

  it('warns on a bare wildcard and fails it with credentials', () => {
    expect(judgeDisallowed('https://evil.test', { 'access-control-allow-origin': '*' }, [])?.level).toBe(
      'warn',
    );
    expect(
      judgeDisallowed(
        'https://evil.test',
        { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' },
        [],
      )?.level,
    ).toBe('fail');
  });
});

describe('allowedProblems', () => {
  const plan: CorsPlan = {
    allowedOrigins: [ALLOWED],
    path: '/livez',
    preflight: { method: 'POST', path: '/v1/sessions', headers: ['authorization', 'content-type'] },
  };
  const exchange = (status: number, headers: Record<string, string>): HttpExchange => ({
    request: { method: 'GET', url: 'http://127.0.0.1/livez' },
    response: {
      status,
      headers,
      body: Buffer.alloc(0),
      bodyTruncated: false,
      text: () => '',
      json: () => ({}) as never,
    },
    startedAt: 0,
    timings: { totalMs: 1 },
  });

  it('accepts an exact ACAO with Vary: Origin and a complete preflight', () => {
    expect(
      allowedProblems(
        ALLOWED,
        exchange(200, { 'access-control-allow-origin': ALLOWED, vary: 'Accept, Origin' }),
        false,
        plan,
      ),
    ).toEqual([]);
    const preflight = exchange(204, {
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Authorization, Content-Type',
    });
    expect(allowedProblems(ALLOWED, preflight, true, plan)).toEqual([]);
  });

  it('reports a missing ACAO and Vary', () => {
    expect(allowedProblems(ALLOWED, exchange(200, {}), false, plan)).toEqual([
      'GET /livez from https://app.example.test got Access-Control-Allow-Origin (none)',
      'GET /livez from https://app.example.test lacks Vary: Origin (a shared cache would serve this answer to other origins)',
    ]);
  });

  it('does not let a wildcard cover Authorization', () => {
    const preflight = exchange(204, {
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': '*',
    });
    expect(allowedProblems(ALLOWED, preflight, true, plan)).toEqual([
      'preflight POST /v1/sessions: Access-Control-Allow-Methods (get) lacks POST',
      'preflight POST /v1/sessions: Access-Control-Allow-Headers (*) lacks authorization',
    ]);
  });
});
