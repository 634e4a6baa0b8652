import { describe, expect, it } from 'vitest';
import { jsonBodyOfBytes } from '../../../src/scenario/builtin/hardening/body-limit.ts';
import {
  findSecrets,
  findStackTrace,
  knownSecrets,
  maskSecretPatterns,
} from '../../../src/scenario/builtin/hardening/leaks.ts';

describe('findStackTrace', () => {
  it('finds V8 frames, also inside JSON strings', () => {
    const trace =
      'TypeError: boom\n    at handler (/srv/app/src/routes.ts:12:7)\n    at Layer.handle (/srv/node_modules/router/lib/layer.js:152:17)';
    expect(findStackTrace(trace)).toBe('a JavaScript stack frame');
    expect(findStackTrace(JSON.stringify({ error: trace }))).toBe('a JavaScript stack frame');
  });

  it('finds Python, JVM and Go traces', () => {
    expect(findStackTrace('Traceback (most recent call last):\n  File "x.py"')).toBe('a Python traceback');
    expect(findStackTrace('x at com.acme.Api.run(Api.java:42)')).toBe('a JVM stack frame');
    expect(findStackTrace('goroutine 1 [running]:\nmain.main()')).toBe('a Go goroutine dump');
  });

  it('leaves ordinary problem documents alone', () => {
    const problem = {
      type: 'https://voice-api.example/problems/payload-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'request body exceeds the size limit at 100kb',
    };
    expect(findStackTrace(JSON.stringify(problem))).toBeUndefined();
  });
});

describe('findSecrets', () => {
  it('names known values and secret-shaped strings, never the values', () => {
    const body = JSON.stringify({
      redis: 'redis://default:hunter22@cache:6379',
      jwt: 'topsecretvalue',
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz',
      hook: 'whsec_abcdefghijklmnop',
    });
    const found = findSecrets(body, { JWT_SECRET: 'topsecretvalue', SHORT: 'abc' });
    expect(found).toEqual([
      'the value of JWT_SECRET',
      'a URL with a password',
      'a JWT',
      'a webhook signing secret',
    ]);
    expect(found.join(' ')).not.toContain('hunter22');
  });

  it('finds nothing in an ordinary health body', () => {
    expect(
      findSecrets('{"status":"ready","redis":"redis://cache:6379"}', { JWT_SECRET: 'x'.repeat(40) }),
    ).toEqual([]);
  });

  it('masks secret-shaped strings for evidence', () => {
    expect(maskSecretPatterns('url redis://u:p@h and whsec_abcdefghijkl')).toBe(
      'url <redacted>h and <redacted>',
    );
  });

  it('takes sensitive-named variables from the target environment', () => {
    const known = knownSecrets(
      { JWT_SECRET: 'a' },
      { JWT_SECRET: 'b', API_KEY: 'k', DB_PASSWORD: 'p', PORT: '3000' },
    );
    expect(known).toEqual({ JWT_SECRET: 'a', API_KEY: 'k', DB_PASSWORD: 'p' });
  });
});

describe('jsonBodyOfBytes', () => {
  it('has exactly the asked byte length, mostly in two-byte characters', () => {
    for (const bytes of [64, 65, 102_399, 102_400, 102_401]) {
      const body = jsonBodyOfBytes(bytes);
      expect(Buffer.byteLength(body), String(bytes)).toBe(bytes);
      expect(JSON.parse(body)).toHaveProperty('padding');
    }
    expect([...jsonBodyOfBytes(102_401)].length).toBeLessThan(52_000);
  });

  it('refuses sizes too small for a JSON document', () => {
    expect(() => jsonBodyOfBytes(10)).toThrow(RangeError);
  });
});
