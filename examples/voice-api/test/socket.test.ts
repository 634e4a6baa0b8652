import { SignJWT } from 'jose';
import { io as ioClient } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  connectVoice,
  createSession,
  type InProcess,
  metricValue,
  mintToken,
  nowSec,
  openVoiceSession,
  sendChunk,
  startInProcess,
  voiceToken,
  waitFor,
} from './helpers.ts';
import { expectSpec } from './spec-check.ts';

describe('socket.io namespace /voice', () => {
  let t: InProcess;
  beforeAll(async () => {
    t = await startInProcess();
  });

  it('rejects a handshake without a valid voice token with connect_error', async () => {
    const { id } = await createSession(t.url, t.env);
    const key = new TextEncoder().encode(t.env.JWT_SECRET!);
    const expired = await new SignJWT({ sid: id })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setAudience('voice-socket')
      .setExpirationTime(nowSec() - 10)
      .sign(key);
    const candidates: [string, unknown][] = [
      ['no token', undefined],
      ['garbage', 'nope'],
      ['an API token (wrong audience)', await mintToken(t.env.JWT_SECRET!, { sub: 'a' })],
      ['an expired voice token', expired],
    ];
    for (const [name, token] of candidates) {
      await expect(connectVoice(t.url, token), name).rejects.toThrow('unauthorized');
    }
  });

  it('refuses the main namespace', async () => {
    const socket = ioClient(t.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(error.message).toBe('unknown namespace');
  });

  it('acks every transcript chunk and sends one agent:reply per chunk', async () => {
    const { sessionId, socket } = await openVoiceSession(t.url, t.env);
    const replies: { seq: number; text: string }[] = [];
    socket.on('agent:reply', (reply) => replies.push(reply));
    for (let seq = 0; seq < 20; seq += 1) {
      const ack = await sendChunk(socket, sessionId, seq);
      expect(ack.seq).toBe(seq);
      expect(Number.isNaN(Date.parse(ack.receivedAt))).toBe(false);
    }
    await waitFor(() => replies.length === 20);
    expect(replies.map((reply) => reply.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await metricValue(t.url, 'voice_api_open_sockets')).toBeGreaterThanOrEqual(1);
    const session = await call(t.url, `/v1/sessions/${sessionId}`, { headers: await bearer(t.env) });
    expect(session.json().transcriptCount).toBe(20);
  });

  it('acks an invalid chunk with an error', async () => {
    const { socket } = await openVoiceSession(t.url, t.env);
    const ack = await socket
      .timeout(2000)
      .emitWithAck('transcript', { sessionId: 'someone-else', seq: 0, text: 'x' });
    expect(ack.error).toBeDefined();
    const bad = await socket.timeout(2000).emitWithAck('transcript', { seq: -1 });
    expect(bad.error).toBeDefined();
  });

  it('ends the session on session:end and disconnects the socket', async () => {
    const { sessionId, socket } = await openVoiceSession(t.url, t.env);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(await socket.timeout(2000).emitWithAck('session:end', { sessionId })).toEqual({ ended: true });
    expect(await disconnected).toBe('io server disconnect');
    const headers = await bearer(t.env);
    const session = await call(t.url, `/v1/sessions/${sessionId}`, { headers });
    expect(session.json().status).toBe('ended');
    const chunk = await call(t.url, `/v1/sessions/${sessionId}/transcripts`, {
      method: 'POST',
      headers,
      body: { seq: 1, text: 'late' },
    });
    expect(chunk.status).toBe(409);
    await expectSpec('POST', '/v1/sessions/{id}/transcripts', chunk);
    const token = await call(t.url, '/v1/voice/token', { method: 'POST', headers, body: { sessionId } });
    expect(token.status).toBe(409);
    await expectSpec('POST', '/v1/voice/token', token);
  });

  it('refuses a socket for an ended or deleted session', async () => {
    const { id } = await createSession(t.url, t.env);
    const token = await voiceToken(t.url, t.env, id);
    await call(t.url, `/v1/sessions/${id}`, { method: 'DELETE', headers: await bearer(t.env) });
    await expect(connectVoice(t.url, token)).rejects.toThrow('session not active');
  });
});
