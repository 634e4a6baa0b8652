import { describe, expect, it } from 'vitest';
import {
  assessSecurityHeaders,
  observatoryScore,
} from '../../../src/scenario/builtin/hardening/security-headers.ts';

// What helmet 8 sends by default (taken from the reference target).
const HELMET = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
};

describe('assessSecurityHeaders', () => {
  it('accepts helmet defaults on http and https', () => {
    expect(assessSecurityHeaders(HELMET, false)).toEqual({ problems: [], warnings: [] });
    expect(assessSecurityHeaders(HELMET, true)).toEqual({ problems: [], warnings: [] });
  });

  it('lists every missing protection and advertised version', () => {
    const { problems, warnings } = assessSecurityHeaders(
      { 'x-powered-by': 'Express', server: 'nginx/1.25.3' },
      false,
    );
    expect(problems).toEqual([
      'X-Content-Type-Options is missing, expected nosniff',
      'no frame protection: neither CSP frame-ancestors nor X-Frame-Options DENY/SAMEORIGIN',
      'X-Powered-By: Express advertises the framework',
      'Server: nginx/1.25.3 reveals a version',
    ]);
    expect(warnings).toEqual(['Strict-Transport-Security is missing (required once served over https)']);
  });

  it('requires HSTS on https only', () => {
    const { 'strict-transport-security': _hsts, ...noHsts } = HELMET;
    expect(assessSecurityHeaders(noHsts, true).problems).toEqual([
      'Strict-Transport-Security is missing on an https response',
    ]);
    expect(assessSecurityHeaders(noHsts, false).problems).toEqual([]);
  });

  it('takes CSP frame-ancestors as frame protection and a bare Server name as fine', () => {
    const headers = {
      'content-security-policy': "frame-ancestors 'none'",
      'x-content-type-options': 'NoSniff',
      server: 'nginx',
    };
    expect(assessSecurityHeaders(headers, false).problems).toEqual([]);
    expect(
      assessSecurityHeaders({ ...headers, 'content-security-policy': "default-src 'self'" }, false).problems,
    ).toHaveLength(1);
  });
});

describe('observatoryScore', () => {
  it('gives helmet defaults an A+ with the bonuses', () => {
    const score = observatoryScore(HELMET, true);
    expect(score).toMatchObject({ score: 110, grade: 'A+' });
    expect(score.tests.find((t) => t.test === 'x-frame-options')?.modifier).toBe(5);
  });

  it('scores missing headers like the Observatory', () => {
    expect(observatoryScore({}, true)).toMatchObject({ score: 30, grade: 'D' });
    expect(observatoryScore({}, false)).toMatchObject({ score: 50, grade: 'C' });
  });

  it('penalises unsafe script sources and withholds bonuses below 90', () => {
    const headers = { ...HELMET, 'content-security-policy': "script-src 'self' 'unsafe-inline'" };
    // -20 for unsafe-inline and -20 for losing frame-ancestors (X-Frame-Options still there: 0).
    expect(observatoryScore(headers, true)).toMatchObject({ score: 80, grade: 'B+' });
    const nonce = {
      ...HELMET,
      'content-security-policy': "script-src 'nonce-abc' 'unsafe-inline'; frame-ancestors 'none'",
    };
    expect(observatoryScore(nonce, true).score).toBe(110);
  });
});
