import type { RequestHandler } from 'express';
import { MemoryStore, type Options, rateLimit, type Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import { RedisStore } from 'rate-limit-redis';
import type { Config, LimiterName, RateLimitRule } from './env.ts';
import { sendProblem } from './problem.ts';
import { afterPassing, announceOtherPolicy, racyStore, SHARED_KEY } from './rate-limit-faults.ts';
import { type Redis, viaRedis } from './redis.ts';

export type Limiters = Record<LimiterName, RequestHandler> & { health?: RequestHandler };

function redisStore(redis: Redis, name: string): Store {
  const store = new RedisStore({
    prefix: `voice-api:rl:${name}:`,
    sendCommand: (...args: string[]) => viaRedis(() => redis.sendCommand(args)),
  });
  // The store loads its Lua scripts at construction, possibly before Redis is up; it reloads them on
  // first use, so an early failure is expected and must not surface as an unhandled rejection.
  store.incrementScriptSha.catch(() => {});
  store.getScriptSha.catch(() => {});
  return store;
}

/** One limiter per route family, keyed by client IP (`req.ip`, so `trust proxy` decides what that is). */
export function createLimiters(config: Config, redis: Redis | undefined, logger: Logger): Limiters {
  const { faults, rateLimits } = config;
  const useRedis = redis !== undefined && !faults.has('rate-limit-memory-store');
  const make = (
    name: string,
    rule: RateLimitRule,
    bugs: { store?: (store: Store) => Store; options?: Partial<Options>; announced?: RateLimitRule } = {},
  ): RequestHandler => {
    const { announced } = bugs;
    const store = useRedis ? redisStore(redis, name) : undefined;
    const limiter = rateLimit({
      windowMs: rule.windowSec * 1000,
      limit: rule.limit,
      identifier: name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: bugs.store ? bugs.store(store ?? new MemoryStore()) : store,
      logger: {
        warn: (msg: unknown) => logger.warn({ err: msg }, 'rate limiter'),
        error: (msg: unknown) => logger.error({ err: msg }, 'rate limiter'),
      },
      // X-Forwarded-For is deliberately ignored unless TRUST_PROXY says there is a proxy in front.
      validate: { xForwardedForHeader: false, trustProxy: !faults.has('rate-limit-xff') },
      handler: (_req, res) => {
        if (faults.has('rate-limit-no-retry-after')) res.removeHeader('Retry-After');
        // "Try again in a second", whatever the window says.
        if (faults.has('rate-limit-short-retry-after')) res.setHeader('Retry-After', '1');
        if (announced) announceOtherPolicy(res, name, announced);
        sendProblem(res, 429, `rate limit of ${rule.limit} requests per ${rule.windowSec} s exceeded`);
      },
      ...bugs.options,
    });
    return announced ? afterPassing(limiter, (res) => announceOtherPolicy(res, name, announced)) : limiter;
  };
  return {
    sessions: make('sessions', rateLimits.sessions, {
      store: faults.has('rate-limit-race') ? racyStore : undefined,
      options: faults.has('rate-limit-global-key') ? { keyGenerator: () => SHARED_KEY } : undefined,
      // The header code copied from the token limiter still announces the token quota.
      announced: faults.has('rate-limit-inconsistent-headers') ? rateLimits.token : undefined,
    }),
    token: make('token', rateLimits.token),
    transcripts: make('transcripts', rateLimits.transcripts),
    // The `rate-limit-health` fault: probes are counted (and blocked) like any client.
    health: faults.has('rate-limit-health') ? make('health', rateLimits.sessions) : undefined,
  };
}
