import { randomUUID } from 'node:crypto';

export type SessionStatus = 'active' | 'ended';

export interface Session {
  id: string;
  status: SessionStatus;
  language: string;
  agent: string;
  /** Write-only: stored for the caller's reconciliation, never returned. */
  callerRef: string | null;
  createdAt: string;
  transcriptCount: number;
}

export interface NewSession {
  language: string;
  agent: string;
  callerRef?: string;
}

export type TranscriptOutcome = 'ok' | 'not-found' | 'ended';

export interface SessionStore {
  create(input: NewSession): Promise<Session>;
  get(id: string): Promise<Session | undefined>;
  remove(id: string): Promise<boolean>;
  end(id: string): Promise<boolean>;
  addTranscript(id: string): Promise<TranscriptOutcome>;
  countActive(): Promise<number>;
  close(): void;
}

// Sessions expire so a 15-minute soak that creates and ends thousands of them stays flat in memory.
export const ACTIVE_SESSION_TTL_MS = 60 * 60 * 1000;
export const ENDED_SESSION_TTL_MS = 10 * 60 * 1000;
const SWEEP_EVERY_MS = 30_000;

export function newSession(input: NewSession): Session {
  return {
    id: randomUUID(),
    status: 'active',
    language: input.language,
    agent: input.agent,
    callerRef: input.callerRef ?? null,
    createdAt: new Date().toISOString(),
    transcriptCount: 0,
  };
}

export function createMemorySessionStore(): SessionStore {
  const entries = new Map<string, { session: Session; expiresAtMs: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, entry] of entries) if (entry.expiresAtMs <= now) entries.delete(id);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  const live = (id: string) => {
    const entry = entries.get(id);
    return entry && entry.expiresAtMs > Date.now() ? entry : undefined;
  };

  return {
    async create(input) {
      const session = newSession(input);
      entries.set(session.id, { session, expiresAtMs: Date.now() + ACTIVE_SESSION_TTL_MS });
      return { ...session };
    },
    async get(id) {
      const entry = live(id);
      return entry ? { ...entry.session } : undefined;
    },
    async remove(id) {
      const existed = live(id) !== undefined;
      entries.delete(id);
      return existed;
    },
    async end(id) {
      const entry = live(id);
      if (!entry) return false;
      entry.session.status = 'ended';
      entry.expiresAtMs = Date.now() + ENDED_SESSION_TTL_MS;
      return true;
    },
    async addTranscript(id) {
      const entry = live(id);
      if (!entry) return 'not-found';
      if (entry.session.status !== 'active') return 'ended';
      entry.session.transcriptCount += 1;
      entry.expiresAtMs = Date.now() + ACTIVE_SESSION_TTL_MS;
      return 'ok';
    },
    async countActive() {
      let count = 0;
      for (const [id] of entries) if (live(id)?.session.status === 'active') count += 1;
      return count;
    },
    close() {
      clearInterval(sweep);
    },
  };
}
