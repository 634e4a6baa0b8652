import { type Redis, viaRedis } from '../redis.ts';
import {
  ACTIVE_SESSION_TTL_MS,
  ENDED_SESSION_TTL_MS,
  newSession,
  type Session,
  type SessionStore,
  type TranscriptOutcome,
} from './sessions.ts';

// Replicas behind a load balancer share sessions: a session created on one is tokenised on another.
const key = (id: string) => `voice-api:session:${id}`;
const ACTIVE_INDEX = 'voice-api:sessions:active';

// Check-and-update in one script so a concurrent end or delete cannot resurrect a session.
const ADD_TRANSCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status ~= 'active' then return -2 end
redis.call('HINCRBY', KEYS[1], 'transcriptCount', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

const END = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'ended')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`;

export function createRedisSessionStore(redis: Redis): SessionStore {
  return {
    create(input) {
      return viaRedis(async () => {
        const session = newSession(input);
        const fields: Record<string, string> = {
          ...session,
          callerRef: session.callerRef ?? '',
          transcriptCount: '0',
        };
        await redis
          .multi()
          .hSet(key(session.id), fields)
          .pExpire(key(session.id), ACTIVE_SESSION_TTL_MS)
          .zAdd(ACTIVE_INDEX, { score: Date.now() + ACTIVE_SESSION_TTL_MS, value: session.id })
          .exec();
        return session;
      });
    },
    get(id) {
      return viaRedis(async () => {
        const fields = await redis.hGetAll(key(id));
        if (!fields.id) return undefined;
        return {
          id: fields.id,
          status: fields.status as Session['status'],
          language: fields.language,
          agent: fields.agent,
          callerRef: fields.callerRef || null,
          createdAt: fields.createdAt,
          transcriptCount: Number(fields.transcriptCount),
        };
      });
    },
    remove(id) {
      return viaRedis(async () => {
        const [deleted] = await redis.multi().del(key(id)).zRem(ACTIVE_INDEX, id).exec();
        return Number(deleted) > 0;
      });
    },
    end(id) {
      return viaRedis(async () => {
        const ended = await redis.eval(END, {
          keys: [key(id), ACTIVE_INDEX],
          arguments: [String(ENDED_SESSION_TTL_MS), id],
        });
        return ended === 1;
      });
    },
    addTranscript(id): Promise<TranscriptOutcome> {
      return viaRedis(async () => {
        const result = await redis.eval(ADD_TRANSCRIPT, {
          keys: [key(id), ACTIVE_INDEX],
          arguments: [String(ACTIVE_SESSION_TTL_MS), String(Date.now() + ACTIVE_SESSION_TTL_MS), id],
        });
        return result === 1 ? 'ok' : result === -2 ? 'ended' : 'not-found';
      });
    },
    countActive() {
      return viaRedis(async () => {
        // The index is scored by expiry, so expired sessions drop out without a sweeper.
        await redis.zRemRangeByScore(ACTIVE_INDEX, 0, Date.now());
        return redis.zCard(ACTIVE_INDEX);
      });
    },
    close() {},
  };
}
