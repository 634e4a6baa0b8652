import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { AppContext } from './context.ts';
import type { ChunkFaults } from './soak-faults.ts';

const transcriptChunk = z.object({
  sessionId: z.string(),
  seq: z.int().min(0),
  text: z.string().min(1).max(2000),
  sentAt: z.union([z.number(), z.string()]).optional(),
});

type Ack = (reply: unknown) => void;
const lastCallback = (args: unknown[]): Ack | undefined => {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as Ack) : undefined;
};

/**
 * The voice protocol on namespace `/voice`: a token from POST /v1/voice/token in `auth.token`,
 * `transcript` chunks acknowledged with `{ seq, receivedAt }` and answered by `agent:reply`,
 * and `session:end`, after which the server disconnects the socket.
 */
export function attachVoiceNamespace(io: Server, ctx: AppContext, chunkFaults: ChunkFaults): Namespace {
  // Nothing is served on the main namespace; refusing it keeps stray clients from holding sockets.
  io.of('/').use((_socket, next) => next(new Error('unknown namespace')));
  const voice = io.of('/voice');
  voice.use(async (socket, next) => {
    const claims = await ctx.auth.verifyVoiceToken(socket.handshake.auth?.token);
    if (!claims) return next(new Error('unauthorized'));
    try {
      const session = await ctx.sessions.get(claims.sessionId);
      if (session?.status !== 'active') return next(new Error('session not active'));
    } catch {
      return next(new Error('unavailable'));
    }
    socket.data.sessionId = claims.sessionId;
    next();
  });
  if (ctx.config.faults.has('soak-session-cap')) {
    // A connection guard sized for a developer's laptop and never raised: past it, callers are turned
    // away with the same error as a Redis outage. Checked after the (async) auth, just before joining.
    const cap = ctx.config.faultSessionCap;
    voice.use((_socket, next) => next(voice.sockets.size >= cap ? new Error('unavailable') : undefined));
  }
  voice.on('connection', (socket) => {
    socket.on('transcript', (payload: unknown, ...rest: unknown[]) => {
      void onTranscript(ctx, chunkFaults, socket, payload, lastCallback([payload, ...rest]) ?? (() => {}));
    });
    socket.on('session:end', async (...args: unknown[]) => {
      const ended = await ctx.sessions.end(socket.data.sessionId).catch(() => false);
      lastCallback(args)?.({ ended });
      socket.disconnect(true);
    });
  });
  return voice;
}

async function onTranscript(
  ctx: AppContext,
  faults: ChunkFaults,
  socket: Socket,
  payload: unknown,
  ack: Ack,
) {
  const parsed = transcriptChunk.safeParse(payload);
  if (!parsed.success || parsed.data.sessionId !== socket.data.sessionId) {
    return ack({ error: 'invalid transcript chunk' });
  }
  const { seq, text } = parsed.data;
  const outcome = await ctx.sessions.addTranscript(parsed.data.sessionId).catch(() => 'unavailable' as const);
  if (outcome !== 'ok') return ack({ seq, error: `session ${outcome}` });
  const receivedAt = new Date().toISOString();
  const { dropAck, delayMs } = faults.onChunk();
  if (dropAck) return;
  const reply = () => {
    ack({ seq, receivedAt });
    socket.emit('agent:reply', { seq, text: `heard ${text.length} characters` });
  };
  if (delayMs > 0) setTimeout(reply, delayMs);
  else reply();
}
