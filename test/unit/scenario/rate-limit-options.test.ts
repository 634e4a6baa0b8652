import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../../src/errors.ts';
import { findStackTrace } from '../../../src/scenario/builtin/rate-limit/stack-trace.ts';
import { rateLimitScenario } from '../../../src/scenario/builtin/rate-limit.ts';

function optionsError(options: unknown): ShakedownError {
  try {
    rateLimitScenario(options as Parameters<typeof rateLimitScenario>[0]);
  } catch (error) {
    expect(error).toBeInstanceOf(ShakedownError);
    return error as ShakedownError;
  }
  throw new Error('expected the options to be rejected');
}

describe('rateLimitScenario options', () => {
  const route = { method: 'POST', path: '/v1/sessions', limit: 10, windowSec: 300 };

  it('accepts a route and fills in the defaults', () => {
    const scenario = rateLimitScenario({ routes: [route] });
    expect(scenario.name).toBe('rate-limit');
    // The reset check may wait maxWaitSec (70 s by default) inside one check.
    expect(scenario.options?.checkTimeoutSec).toBe(100);
  });

  it.each([
    ['no routes', { routes: [] }, 'routes: configure at least one route'],
    ['a zero limit', { routes: [{ ...route, limit: 0 }] }, 'routes.0.limit'],
    ['a path without a slash', { routes: [{ ...route, path: 'v1/sessions' }] }, 'routes.0.path'],
    ['an unknown scope', { routes: [{ ...route, scope: 'user' }] }, 'routes.0.scope'],
    ['an unknown option', { routes: [route], maxWait: 5 }, 'maxWait'],
    ['key scope without freshKey', { routes: [{ ...route, scope: 'key' }] }, 'freshKey: routes with scope'],
  ])('rejects %s (exit 2, naming the path)', (_name, options, fragment) => {
    const error = optionsError(options);
    expect(error.code).toBe('SHK_SCRIPT_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('rateLimitScenario({...}) options are invalid');
    expect(error.message).toContain(fragment);
  });
});

describe('findStackTrace', () => {
  it.each([
    [
      'V8',
      'TypeError: x is undefined\n    at handler (/srv/app/routes.js:12:7)\n    at next (node:internal/x:1:1)',
    ],
    [
      'V8 inside a JSON string',
      '{"error":"boom","stack":"Error: boom\\n    at Object.<anonymous> (/app/a.js:1:2)"}',
    ],
    ['Python', 'Traceback (most recent call last):\n  File "app.py", line 3'],
    ['JVM', 'java.lang.NullPointerException\n\tat com.example.Api.handle(Api.java:42)'],
    ['Go', 'panic: boom\n\ngoroutine 1 [running]:\nmain.main()'],
  ])('finds a %s stack trace', (_name, body) => {
    expect(findStackTrace(body)).toBeDefined();
  });

  it('leaves ordinary error bodies alone', () => {
    const problem = JSON.stringify({
      type: 'https://voice-api.example/problems/rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: 'rate limit of 10 requests per 300 s exceeded, retry at 12:00',
    });
    expect(findStackTrace(problem)).toBeUndefined();
  });
});
