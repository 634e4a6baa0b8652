import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestHandler, Response } from 'express';
import type { Store } from 'express-rate-limit';
import type { RateLimitRule } from './env.ts';

// The planted limiter bugs that need more than a flag (FAULTS.md says which check catches each).
// The limiting itself stays express-rate-limit's; these bend its key, its store or its headers.

/** `rate-limit-global-key`: the key every client gets, so they all draw from one quota. */
export const SHARED_KEY = 'all-clients';

/** How long the racy store spends between reading a count and writing the new one. */
export const STORE_ROUND_TRIP_MS = 100;

/**
 * The `rate-limit-race` store: check, then increment, in two steps. It reads the client's count,
 * awaits a round trip, then increments, and answers with the count it read plus one. Requests that
 * arrive within the round trip all read the same count, so a concurrent burst overshoots the limit;
 * sequential requests see exact counts.
 */
export function racyStore(inner: Store): Store {
  const read = inner.get?.bind(inner);
  if (!read) throw new Error('rate-limit-race needs a store that can read a count');
  return {
    init: (options) => inner.init?.(options),
    get: read,
    async increment(key) {
      const seen = (await read(key))?.totalHits ?? 0;
      await sleep(STORE_ROUND_TRIP_MS);
      const written = await inner.increment(key);
      return { totalHits: seen + 1, resetTime: written.resetTime };
    },
    decrement: (key) => inner.decrement(key),
    resetKey: (key) => inner.resetKey(key),
    shutdown: () => inner.shutdown?.(),
    localKeys: inner.localKeys,
  };
}

/**
 * `rate-limit-inconsistent-headers`: `RateLimit-Policy` announces another limiter's quota and window
 * (a copy-paste in the header code), while `RateLimit` counts down the real quota.
 */
export function announceOtherPolicy(res: Response, name: string, announced: RateLimitRule): void {
  if (!res.headersSent)
    res.setHeader('RateLimit-Policy', `"${name}"; q=${announced.limit}; w=${announced.windowSec}`);
}

/** Runs `after` once `limiter` lets a request through (its 429 handler is on its own). */
export function afterPassing(limiter: RequestHandler, after: (res: Response) => void): RequestHandler {
  return (req, res, next) =>
    limiter(req, res, (err?: unknown) => {
      if (err === undefined) after(res);
      next(err);
    });
}
