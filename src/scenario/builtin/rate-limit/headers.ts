import { parseDictionary, parseList, type SfValue } from './structured-fields.ts';

/**
 * Which generation of rate-limit headers a response used:
 * - `draft-8`: draft-ietf-httpapi-ratelimit-headers-08 and later, `RateLimit: "default";r=50;t=30`
 *   with `RateLimit-Policy: "default";q=100;w=60` (several named policies per response);
 * - `draft-7`: one combined `RateLimit: limit=100, remaining=50, reset=30` (+ `RateLimit-Policy: 100;w=60`);
 * - `draft-6`: separate `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (drafts 00–06);
 * - `legacy`: `X-RateLimit-Limit/-Remaining/-Reset` (GitHub, Twitter and most frameworks' defaults).
 */
export type RateLimitForm = 'draft-8' | 'draft-7' | 'draft-6' | 'legacy';

/** One quota as a response describes it; every field is optional because servers omit some. */
export interface RateLimitPolicy {
  form: RateLimitForm;
  /** Policy name (draft-8 only). */
  name?: string;
  /** The quota: requests allowed per window. */
  quota?: number;
  remaining?: number;
  /** Seconds until the quota resets (legacy epoch timestamps are converted). */
  resetSec?: number;
  windowSec?: number;
}

/** The policies a response carries, in the newest form present; empty when it has none. */
export function parseRateLimitHeaders(
  headers: Readonly<Record<string, string>>,
  nowMs: number = Date.now(),
): RateLimitPolicy[] {
  const h = lowerCased(headers);
  return draft8(h) ?? draft7(h) ?? draft6(h) ?? legacy(h, nowMs) ?? [];
}

/**
 * The policy that describes a route with the given quota: the one whose quota matches, else the
 * most constrained (lowest remaining), else the first.
 */
export function pickPolicy(policies: readonly RateLimitPolicy[], quota: number): RateLimitPolicy | undefined {
  return (
    policies.find((p) => p.quota === quota) ??
    [...policies]
      .filter((p) => p.remaining !== undefined)
      .sort((a, b) => (a.remaining ?? 0) - (b.remaining ?? 0))[0] ??
    policies[0]
  );
}

export type RetryAfter =
  | { form: 'seconds' | 'date'; raw: string; seconds: number }
  | { form: 'invalid'; raw: string };

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. A date is measured against the
 * response's own `Date` header when present, so a skewed harness clock does not matter.
 */
export function parseRetryAfter(
  value: string | undefined,
  dateHeader?: string,
  nowMs: number = Date.now(),
): RetryAfter | undefined {
  if (value === undefined) return undefined;
  const raw = value.trim();
  if (/^\d+$/.test(raw)) return { form: 'seconds', raw, seconds: Number(raw) };
  const at = /[A-Za-z]/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(at)) return { form: 'invalid', raw };
  const reference = dateHeader && !Number.isNaN(Date.parse(dateHeader)) ? Date.parse(dateHeader) : nowMs;
  return { form: 'date', raw, seconds: Math.ceil((at - reference) / 1000) };
}

/** One line for evidence: `draft-8 "sessions" q=10 w=300 r=9 t=300`. */
export function describePolicy(policy: RateLimitPolicy): string {
  const parts: string[] = [policy.form];
  if (policy.name !== undefined) parts.push(JSON.stringify(policy.name));
  if (policy.quota !== undefined) parts.push(`quota=${policy.quota}`);
  if (policy.windowSec !== undefined) parts.push(`window=${policy.windowSec}s`);
  if (policy.remaining !== undefined) parts.push(`remaining=${policy.remaining}`);
  if (policy.resetSec !== undefined) parts.push(`reset=${policy.resetSec}s`);
  return parts.join(' ');
}

function draft8(h: Record<string, string>): RateLimitPolicy[] | undefined {
  const limits = h.ratelimit ? parseList(h.ratelimit) : [];
  const policies = h['ratelimit-policy'] ? parseList(h['ratelimit-policy']) : [];
  const isDraft8 = limits.some((m) => 'r' in m.params) || policies.some((m) => 'q' in m.params);
  if (!isDraft8) return undefined;
  const byName = new Map<string, RateLimitPolicy>();
  const entry = (item: SfValue) => {
    const name = String(item);
    let policy = byName.get(name);
    if (!policy) {
      policy = { form: 'draft-8', name };
      byName.set(name, policy);
    }
    return policy;
  };
  for (const m of policies) {
    const policy = entry(m.item);
    policy.quota = int(m.params.q);
    policy.windowSec = int(m.params.w);
  }
  for (const m of limits) {
    const policy = entry(m.item);
    policy.remaining = int(m.params.r);
    policy.resetSec = int(m.params.t);
  }
  return [...byName.values()].map(withoutUndefined);
}

function draft7(h: Record<string, string>): RateLimitPolicy[] | undefined {
  if (!h.ratelimit) return undefined;
  const dict = parseDictionary(h.ratelimit);
  if (!dict.has('limit') && !dict.has('remaining')) return undefined;
  const policy: RateLimitPolicy = {
    form: 'draft-7',
    quota: int(dict.get('limit')?.value),
    remaining: int(dict.get('remaining')?.value),
    resetSec: int(dict.get('reset')?.value),
    windowSec: policyWindow(h['ratelimit-policy']),
  };
  return [withoutUndefined(policy)];
}

function draft6(h: Record<string, string>): RateLimitPolicy[] | undefined {
  if (h['ratelimit-limit'] === undefined && h['ratelimit-remaining'] === undefined) return undefined;
  const policy: RateLimitPolicy = {
    form: 'draft-6',
    quota: leadingInt(h['ratelimit-limit']),
    remaining: leadingInt(h['ratelimit-remaining']),
    resetSec: leadingInt(h['ratelimit-reset']),
    // Early drafts put the policy into RateLimit-Limit itself: `10, 10;w=1, 50;w=60`.
    windowSec: policyWindow(h['ratelimit-policy']) ?? policyWindow(h['ratelimit-limit']),
  };
  return [withoutUndefined(policy)];
}

function legacy(h: Record<string, string>, nowMs: number): RateLimitPolicy[] | undefined {
  const get = (suffix: string) => h[`x-ratelimit-${suffix}`] ?? h[`x-rate-limit-${suffix}`];
  if (get('limit') === undefined && get('remaining') === undefined) return undefined;
  const policy: RateLimitPolicy = {
    form: 'legacy',
    quota: leadingInt(get('limit')),
    remaining: leadingInt(get('remaining')),
    resetSec: legacyReset(leadingInt(get('reset')), h.date, nowMs),
    windowSec: policyWindow(get('limit')),
  };
  return [withoutUndefined(policy)];
}

/**
 * Legacy reset values are a delta in seconds, or a Unix timestamp in seconds (GitHub) or
 * milliseconds. Anything past 2001 as seconds is a timestamp.
 */
function legacyReset(value: number | undefined, dateHeader: string | undefined, nowMs: number) {
  if (value === undefined) return undefined;
  if (value < 1e9) return value;
  const reference = dateHeader && !Number.isNaN(Date.parse(dateHeader)) ? Date.parse(dateHeader) : nowMs;
  const atMs = value >= 1e12 ? value : value * 1000;
  return Math.max(0, Math.ceil((atMs - reference) / 1000));
}

/** The `w` of the first member that has one: `100;w=60` → 60. */
function policyWindow(text: string | undefined): number | undefined {
  if (!text) return undefined;
  for (const member of parseList(text)) {
    const w = int(member.params.w);
    if (w !== undefined) return w;
  }
  return undefined;
}

function leadingInt(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^\s*(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function int(value: SfValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function withoutUndefined(policy: RateLimitPolicy): RateLimitPolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) as RateLimitPolicy;
}
