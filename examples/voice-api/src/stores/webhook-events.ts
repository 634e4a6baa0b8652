import { type Redis, viaRedis } from '../redis.ts';

/** De-duplication of webhook deliveries plus the side-effect probe (how often an event was applied). */
export interface WebhookEventStore {
  /** True for the first delivery of `id`; atomic, so concurrent duplicates get exactly one true. */
  claim(id: string): Promise<boolean>;
  recordApplied(id: string): Promise<void>;
  appliedCount(id: string): Promise<number>;
  close(): void;
}

// Stripe retries a delivery for up to three days; remembering ids longer than that buys nothing.
const DEDUPE_TTL_MS = 72 * 60 * 60 * 1000;

export function createMemoryWebhookEventStore(): WebhookEventStore {
  const events = new Map<string, { claimed: boolean; applied: number; firstSeenMs: number }>();
  const entry = (id: string) => {
    let found = events.get(id);
    if (!found) {
      found = { claimed: false, applied: 0, firstSeenMs: Date.now() };
      events.set(id, found);
    }
    return found;
  };
  const sweep = setInterval(() => {
    const cutoff = Date.now() - DEDUPE_TTL_MS;
    for (const [id, event] of events) if (event.firstSeenMs < cutoff) events.delete(id);
  }, 60_000);
  sweep.unref();
  return {
    async claim(id) {
      // Check and set happen in one synchronous step, which is what makes this atomic.
      const event = entry(id);
      if (event.claimed) return false;
      event.claimed = true;
      return true;
    },
    async recordApplied(id) {
      entry(id).applied += 1;
    },
    async appliedCount(id) {
      return events.get(id)?.applied ?? 0;
    },
    close() {
      clearInterval(sweep);
    },
  };
}

export function createRedisWebhookEventStore(redis: Redis): WebhookEventStore {
  const seenKey = (id: string) => `voice-api:webhook:seen:${id}`;
  const appliedKey = (id: string) => `voice-api:webhook:applied:${id}`;
  return {
    claim: (id) =>
      viaRedis(async () => {
        const options = { condition: 'NX', expiration: { type: 'PX', value: DEDUPE_TTL_MS } } as const;
        return (await redis.set(seenKey(id), '1', options)) === 'OK';
      }),
    recordApplied: (id) =>
      viaRedis(async () => {
        await redis.multi().incr(appliedKey(id)).pExpire(appliedKey(id), DEDUPE_TTL_MS).exec();
      }),
    appliedCount: (id) => viaRedis(async () => Number((await redis.get(appliedKey(id))) ?? 0)),
    close() {},
  };
}
