import { FAULT_NAMES, type Faults, parseFaults } from './faults.ts';

export type LimiterName = 'sessions' | 'token' | 'transcripts';
export interface RateLimitRule {
  limit: number;
  windowSec: number;
}

export interface Config {
  jwtSecret: string;
  webhookSecret: string;
  redisUrl: string | undefined;
  corsOrigins: readonly string[];
  trustProxyHops: number;
  shutdownDrainMs: number;
  shutdownDeadlineMs: number;
  bodyLimit: string;
  port: number;
  host: string;
  logLevel: string;
  faults: Faults;
  rateLimits: Readonly<Record<LimiterName, RateLimitRule>>;
  faultDropSocketsEveryMs: number;
  faultStallEveryMs: number;
  faultSessionCap: number;
  faultLoadConcurrency: number;
}

export type EnvResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const DEFAULT_RATE_LIMITS: Record<LimiterName, RateLimitRule> = {
  sessions: { limit: 10, windowSec: 300 },
  token: { limit: 20, windowSec: 900 },
  transcripts: { limit: 120, windowSec: 60 },
};

// Values people paste from tutorials and .env.example files; compared after lower-casing.
const PLACEHOLDER_WORDS = [
  'changeme',
  'change-me',
  'change_me',
  'changethis',
  'secret',
  'password',
  'your-secret-here',
  'your_secret_here',
  'yoursecret',
  'your-secret',
  'jwt-secret',
  'jwt_secret',
  'jwtsecret',
  'supersecret',
  'replace-me',
  'replaceme',
  'placeholder',
  'example',
  'default',
  'dummy',
  'test',
  'todo',
];

/** Why a secret is weak, or undefined. The message never contains the secret itself. */
export function weakSecretReason(secret: string, minBytes: number): string | undefined {
  const lower = secret.toLowerCase();
  if (
    PLACEHOLDER_WORDS.includes(lower) ||
    /your[-_ ]?secret|change[-_ ]?me|replace[-_ ]?me|placeholder/.test(lower)
  ) {
    return 'is a known placeholder';
  }
  if (Buffer.byteLength(secret, 'utf8') < minBytes) return `must be at least ${minBytes} bytes`;
  // "changemechangeme..." or "aaaa..." pass a length check but not a brute-force one.
  const repeated = PLACEHOLDER_WORDS.some((word) => lower.replaceAll(word, '') === '');
  if (repeated || new Set(secret).size < 8)
    return 'is too predictable (repeated placeholder or few distinct characters)';
  return undefined;
}

// Hand-rolled rather than zod: this module runs before anything else is loaded, and a bad config
// must fail in well under a second even on a loaded CI machine (importing zod alone costs ~150 ms).
function intVar(
  env: Record<string, string | undefined>,
  name: string,
  min: number,
  fallback: number,
  problems: string[],
) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= min) return value;
  problems.push(`${name}: must be an integer >= ${min}`);
  return fallback;
}

function oneOf<T extends string>(
  env: Record<string, string | undefined>,
  name: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${name}: must be one of ${allowed.join(', ')}`);
  return fallback;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseEnv(env: Record<string, string | undefined>): EnvResult {
  const problems: string[] = [];
  const { faults, unknown } = parseFaults(env.VOICE_API_FAULTS);
  if (unknown.length > 0) {
    problems.push(
      `VOICE_API_FAULTS: unknown fault(s) ${unknown.join(', ')}; valid faults are ${FAULT_NAMES.join(', ')}`,
    );
  }
  const { jwtSecret, webhookSecret } = checkSecrets(env, faults.has('secret-placeholder-ok'), problems);
  const port = intVar(env, 'PORT', 0, 3000, problems);
  if (port > 65535) problems.push('PORT: must be <= 65535');
  const bodyLimit = env.BODY_LIMIT || '100kb';
  if (!/^\d+(b|kb|mb)?$/i.test(bodyLimit))
    problems.push('BODY_LIMIT: must look like 100kb, 1mb or a byte count');
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL: must be a redis:// or rediss:// URL');
  const config: Config = {
    jwtSecret,
    webhookSecret,
    redisUrl,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, problems),
    trustProxyHops: intVar(env, 'TRUST_PROXY', 0, 0, problems),
    shutdownDrainMs: intVar(env, 'SHUTDOWN_DRAIN_MS', 0, 2000, problems),
    shutdownDeadlineMs: intVar(env, 'SHUTDOWN_DEADLINE_MS', 1, 10_000, problems),
    bodyLimit,
    port,
    host: env.HOST || '127.0.0.1',
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info', problems),
    faults,
    rateLimits: parseRateLimits(env.RATE_LIMITS, problems),
    faultDropSocketsEveryMs: intVar(env, 'FAULT_DROP_SOCKETS_EVERY_MS', 10, 60_000, problems),
    faultStallEveryMs: intVar(env, 'FAULT_STALL_EVERY_MS', 1100, 5000, problems),
    faultSessionCap: intVar(env, 'FAULT_SESSION_CAP', 1, 10, problems),
    faultLoadConcurrency: intVar(env, 'FAULT_LOAD_CONCURRENCY', 1, 2, problems),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** Problems name the variable and the rule; the value never appears in them. */
function checkSecrets(env: Record<string, string | undefined>, relaxed: boolean, problems: string[]) {
  const jwtSecret = env.JWT_SECRET ?? '';
  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  const jwtWeakness = relaxed ? undefined : weakSecretReason(jwtSecret, 32);
  if (!jwtSecret) problems.push('JWT_SECRET: is required');
  else if (jwtWeakness) problems.push(`JWT_SECRET: ${jwtWeakness}`);
  // The prefix is required even by the relaxed fault: it is a format, not a strength rule.
  const webhookKey = webhookSecret.slice('whsec_'.length);
  const webhookWeakness = relaxed ? undefined : weakSecretReason(webhookKey, 16);
  if (!webhookSecret) problems.push('WEBHOOK_SECRET: is required');
  else if (!webhookSecret.startsWith('whsec_')) problems.push('WEBHOOK_SECRET: must start with whsec_');
  else if (webhookWeakness) problems.push(`WEBHOOK_SECRET: ${webhookWeakness}`);
  return { jwtSecret, webhookSecret };
}

function parseCorsOrigins(list: string | undefined, problems: string[]): string[] {
  const origins = (list ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    // Exact-match comparison only works if the configured value is already a serialized origin.
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      problems.push(`CORS_ORIGINS: ${origin} is not an origin like https://app.example.com`);
    }
  }
  return origins;
}

function parseRateLimits(list: string | undefined, problems: string[]): Record<LimiterName, RateLimitRule> {
  const rules = structuredClone(DEFAULT_RATE_LIMITS);
  for (const entry of (list ?? '').split(',').filter((part) => part.trim())) {
    const match = /^\s*(sessions|token|transcripts)=(\d+)\/(\d+)\s*$/.exec(entry);
    if (!match || Number(match[2]) < 1 || Number(match[3]) < 1) {
      problems.push(`RATE_LIMITS: ${entry.trim()} must look like sessions=10/300 (name=limit/windowSec)`);
      continue;
    }
    rules[match[1] as LimiterName] = { limit: Number(match[2]), windowSec: Number(match[3]) };
  }
  return rules;
}
