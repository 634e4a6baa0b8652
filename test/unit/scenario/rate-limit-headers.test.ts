import { describe, expect, it } from 'vitest';
import {
  parseRateLimitHeaders,
  parseRetryAfter,
  pickPolicy,
  type RateLimitPolicy,
} from '../../../src/scenario/builtin/rate-limit/headers.ts';
import { parseDictionary, parseList } from '../../../src/scenario/builtin/rate-limit/structured-fields.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRateLimitHeaders: every header generation', () => {
  // Each row: the headers a server sent, and the policies they describe.
  const cases: Array<[string, Record<string, string>, RateLimitPolicy[]]> = [
    [
      'draft-8+ RateLimit + RateLimit-Policy (tight form)',
      { RateLimit: '"default";r=50;t=30', 'RateLimit-Policy': '"default";q=100;w=60' },
      [{ form: 'draft-8', name: 'default', quota: 100, windowSec: 60, remaining: 50, resetSec: 30 }],
    ],
    [
      'draft-8+ as express-rate-limit writes it (spaces, partition key)',
      {
        ratelimit: '"sessions"; r=9; t=300',
        'ratelimit-policy': '"sessions"; q=10; w=300; pk=:MTJjYTE3YjQ5YWYy:',
      },
      [{ form: 'draft-8', name: 'sessions', quota: 10, windowSec: 300, remaining: 9, resetSec: 300 }],
    ],
    [
      'draft-8+ with two named policies and token names',
      {
        ratelimit: 'burst;r=2;t=1, daily;r=950;t=3600',
        'ratelimit-policy': 'burst;q=5;w=1, daily;q=1000;w=86400',
      },
      [
        { form: 'draft-8', name: 'burst', quota: 5, windowSec: 1, remaining: 2, resetSec: 1 },
        { form: 'draft-8', name: 'daily', quota: 1000, windowSec: 86400, remaining: 950, resetSec: 3600 },
      ],
    ],
    [
      'draft-8+ RateLimit without a policy header',
      { ratelimit: '"default";r=0;t=12' },
      [{ form: 'draft-8', name: 'default', remaining: 0, resetSec: 12 }],
    ],
    [
      'draft-7 combined RateLimit dictionary + policy',
      { ratelimit: 'limit=100, remaining=50, reset=30', 'ratelimit-policy': '100;w=60' },
      [{ form: 'draft-7', quota: 100, remaining: 50, resetSec: 30, windowSec: 60 }],
    ],
    [
      'draft-6 separate RateLimit-Limit/-Remaining/-Reset + policy',
      {
        'ratelimit-limit': '10',
        'ratelimit-remaining': '3',
        'ratelimit-reset': '42',
        'ratelimit-policy': '10;w=300',
      },
      [{ form: 'draft-6', quota: 10, remaining: 3, resetSec: 42, windowSec: 300 }],
    ],
    [
      'draft-03 RateLimit-Limit carrying its quota policies',
      { 'ratelimit-limit': '10, 10;w=1, 50;w=60', 'ratelimit-remaining': '9', 'ratelimit-reset': '1' },
      [{ form: 'draft-6', quota: 10, remaining: 9, resetSec: 1, windowSec: 1 }],
    ],
    [
      'legacy X-RateLimit-* with a delta reset',
      { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '59', 'x-ratelimit-reset': '45' },
      [{ form: 'legacy', quota: 60, remaining: 59, resetSec: 45 }],
    ],
    [
      'legacy X-RateLimit-* with a Unix-seconds reset (GitHub), measured against Date',
      {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(NOW / 1000 + 90),
        date: new Date(NOW).toUTCString(),
      },
      [{ form: 'legacy', quota: 5000, remaining: 4999, resetSec: 90 }],
    ],
    [
      'legacy reset in Unix milliseconds',
      { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW + 2500) },
      [{ form: 'legacy', quota: 10, remaining: 0, resetSec: 3 }],
    ],
    [
      'legacy X-Rate-Limit-* (Twitter spelling)',
      { 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': '14' },
      [{ form: 'legacy', quota: 15, remaining: 14 }],
    ],
    ['no rate-limit headers at all', { 'content-type': 'application/json' }, []],
  ];

  it.each(cases)('%s', (_name, headers, expected) => {
    expect(parseRateLimitHeaders(headers, NOW)).toEqual(expected);
  });

  it('prefers the newest generation when a server sends several', () => {
    const policies = parseRateLimitHeaders({
      ratelimit: '"default";r=4;t=10',
      'ratelimit-policy': '"default";q=5;w=10',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
    });
    expect(policies.map((p) => p.form)).toEqual(['draft-8']);
  });

  it('reads draft-7 when RateLimit is a dictionary, not draft-8 items', () => {
    expect(parseRateLimitHeaders({ ratelimit: 'limit=5, remaining=0, reset=8' })[0].form).toBe('draft-7');
  });
});

describe('pickPolicy', () => {
  const burst: RateLimitPolicy = { form: 'draft-8', name: 'burst', quota: 5, remaining: 2 };
  const daily: RateLimitPolicy = { form: 'draft-8', name: 'daily', quota: 1000, remaining: 0 };

  it('picks the policy whose quota is the configured limit', () => {
    expect(pickPolicy([daily, burst], 5)).toBe(burst);
  });

  it('else the most constrained one, else the first', () => {
    expect(pickPolicy([burst, daily], 7)).toBe(daily);
    expect(pickPolicy([{ form: 'legacy' }], 7)).toEqual({ form: 'legacy' });
    expect(pickPolicy([], 7)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120')).toEqual({ form: 'seconds', raw: '120', seconds: 120 });
    expect(parseRetryAfter(' 0 ')).toEqual({ form: 'seconds', raw: '0', seconds: 0 });
  });

  it('reads an HTTP-date against the response Date header', () => {
    const date = new Date(NOW).toUTCString();
    const at = new Date(NOW + 30_000).toUTCString();
    expect(parseRetryAfter(at, date, 0)).toEqual({ form: 'date', raw: at, seconds: 30 });
  });

  it('falls back to the harness clock without a Date header', () => {
    const at = new Date(NOW + 5_000).toUTCString();
    expect(parseRetryAfter(at, undefined, NOW)).toMatchObject({ form: 'date', seconds: 5 });
  });

  it('flags values that are neither', () => {
    expect(parseRetryAfter('1.5')).toEqual({ form: 'invalid', raw: '1.5' });
    expect(parseRetryAfter('-3')).toEqual({ form: 'invalid', raw: '-3' });
    expect(parseRetryAfter('soon')).toEqual({ form: 'invalid', raw: 'soon' });
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('structured fields', () => {
  it('splits lists outside quotes and reads parameters', () => {
    expect(parseList('"a,b";q=1;w=2, tok;x, "esc\\"aped"')).toEqual([
      { item: 'a,b', params: { q: 1, w: 2 } },
      { item: 'tok', params: { x: true } },
      { item: 'esc"aped', params: {} },
    ]);
  });

  it('reads dictionaries with bare keys and parameters', () => {
    const dict = parseDictionary('limit=10, remaining=5;w=60, flag');
    expect(dict.get('limit')?.value).toBe(10);
    expect(dict.get('remaining')).toEqual({ item: 'remaining', value: 5, params: { w: 60 } });
    expect(dict.get('flag')?.value).toBe(true);
  });
});
