/**
 * The security-header rules every response must meet, whatever its status, and a score in the style
 * of Mozilla's HTTP Observatory (same weights for the header tests; cookies, redirects and SRI are out
 * of scope for an API probe).
 */

export interface HeaderAssessment {
  problems: string[];
  warnings: string[];
}

/** Six months, the Observatory's bar for a useful HSTS max-age. */
const HSTS_MIN_MAX_AGE_SEC = 15_552_000;

export function assessSecurityHeaders(headers: Record<string, string>, https: boolean): HeaderAssessment {
  const problems: string[] = [];
  const warnings: string[] = [];
  if ((headers['x-content-type-options'] ?? '').trim().toLowerCase() !== 'nosniff') {
    problems.push(`X-Content-Type-Options is ${show(headers['x-content-type-options'])}, expected nosniff`);
  }
  if (!hasFrameProtection(headers)) {
    problems.push('no frame protection: neither CSP frame-ancestors nor X-Frame-Options DENY/SAMEORIGIN');
  }
  const hsts = hstsMaxAge(headers);
  if (hsts === undefined) {
    if (https) problems.push('Strict-Transport-Security is missing on an https response');
    else warnings.push('Strict-Transport-Security is missing (required once served over https)');
  }
  if (headers['x-powered-by'] !== undefined) {
    problems.push(`X-Powered-By: ${headers['x-powered-by']} advertises the framework`);
  }
  const server = headers.server;
  if (server !== undefined && /\d/.test(server)) problems.push(`Server: ${server} reveals a version`);
  return { problems, warnings };
}

function show(value: string | undefined): string {
  return value === undefined ? 'missing' : `"${value}"`;
}

function cspDirectives(headers: Record<string, string>): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (headers['content-security-policy'] ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

function hasFrameProtection(headers: Record<string, string>): boolean {
  if (cspDirectives(headers).has('frame-ancestors')) return true;
  return /^(deny|sameorigin)$/i.test((headers['x-frame-options'] ?? '').trim());
}

function hstsMaxAge(headers: Record<string, string>): number | undefined {
  const match = /max-age\s*=\s*"?(\d+)/i.exec(headers['strict-transport-security'] ?? '');
  return match ? Number(match[1]) : undefined;
}

export interface ObservatoryScore {
  score: number;
  grade: string;
  /** Each scored test with its modifier, e.g. `{ test: 'x-frame-options', modifier: -20, result: 'missing' }`. */
  tests: { test: string; modifier: number; result: string }[];
}

const GRADES: [min: number, grade: string][] = [
  [100, 'A+'],
  [90, 'A'],
  [85, 'A-'],
  [80, 'B+'],
  [70, 'B'],
  [65, 'B-'],
  [60, 'C+'],
  [50, 'C'],
  [45, 'C-'],
  [40, 'D+'],
  [30, 'D'],
  [25, 'D-'],
  [0, 'F'],
];

/** Penalties always count; bonuses only once the score is at least 90, as the Observatory does. */
export function observatoryScore(headers: Record<string, string>, https: boolean): ObservatoryScore {
  const tests = [
    cspTest(headers),
    framingTest(headers),
    hstsTest(headers, https),
    nosniffTest(headers),
    referrerTest(headers),
  ];
  const penalties = tests.reduce((sum, t) => sum + Math.min(t.modifier, 0), 0);
  const bonuses = tests.reduce((sum, t) => sum + Math.max(t.modifier, 0), 0);
  const base = Math.max(0, 100 + penalties);
  const score = base >= 90 ? base + bonuses : base;
  return { score, grade: GRADES.find(([min]) => score >= min)![1], tests };
}

function cspTest(headers: Record<string, string>): ObservatoryScore['tests'][number] {
  const directives = cspDirectives(headers);
  if (directives.size === 0) return { test: 'content-security-policy', modifier: -25, result: 'missing' };
  const script = directives.get('script-src') ?? directives.get('default-src') ?? [];
  const safeInline = script.some((v) => /^'(nonce-|sha(256|384|512)-|strict-dynamic)/.test(v));
  if (script.includes("'unsafe-inline'") && !safeInline) {
    return { test: 'content-security-policy', modifier: -20, result: "script-src allows 'unsafe-inline'" };
  }
  if (script.includes("'unsafe-eval'")) {
    return { test: 'content-security-policy', modifier: -10, result: "script-src allows 'unsafe-eval'" };
  }
  return {
    test: 'content-security-policy',
    modifier: 0,
    result: 'implemented without unsafe script sources',
  };
}

function framingTest(headers: Record<string, string>): ObservatoryScore['tests'][number] {
  if (cspDirectives(headers).has('frame-ancestors')) {
    return { test: 'x-frame-options', modifier: 5, result: 'CSP frame-ancestors' };
  }
  if (hasFrameProtection(headers)) return { test: 'x-frame-options', modifier: 0, result: 'X-Frame-Options' };
  return { test: 'x-frame-options', modifier: -20, result: 'missing' };
}

function hstsTest(headers: Record<string, string>, https: boolean): ObservatoryScore['tests'][number] {
  const maxAge = hstsMaxAge(headers);
  if (maxAge === undefined) {
    return https
      ? { test: 'strict-transport-security', modifier: -20, result: 'missing' }
      : { test: 'strict-transport-security', modifier: 0, result: 'missing (not scored over http)' };
  }
  if (maxAge < HSTS_MIN_MAX_AGE_SEC) {
    return {
      test: 'strict-transport-security',
      modifier: -10,
      result: `max-age ${maxAge} is under six months`,
    };
  }
  const preload = /\bpreload\b/i.test(headers['strict-transport-security'] ?? '');
  return { test: 'strict-transport-security', modifier: preload ? 5 : 0, result: `max-age ${maxAge}` };
}

function nosniffTest(headers: Record<string, string>): ObservatoryScore['tests'][number] {
  const ok = (headers['x-content-type-options'] ?? '').trim().toLowerCase() === 'nosniff';
  return { test: 'x-content-type-options', modifier: ok ? 0 : -5, result: ok ? 'nosniff' : 'missing' };
}

function referrerTest(headers: Record<string, string>): ObservatoryScore['tests'][number] {
  // The last recognised token wins, as in browsers.
  const policy =
    (headers['referrer-policy'] ?? '')
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .at(-1) ?? '';
  if (['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'].includes(policy)) {
    return { test: 'referrer-policy', modifier: 5, result: policy };
  }
  if (['unsafe-url', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin'].includes(policy)) {
    return { test: 'referrer-policy', modifier: -5, result: `${policy} leaks URLs` };
  }
  return { test: 'referrer-policy', modifier: 0, result: policy || 'missing' };
}
