import { defineSoak } from 'shakedown';

const WORDS = 'hello I would like to move my appointment to next tuesday afternoon please';

/**
 * One caller on the voice API: create a session, get a voice token, connect to /voice, stream
 * transcript chunks at the soak's rate (each acknowledged and answered by an `agent:reply`), and end
 * the session when its lifetime is up. The engine then starts a new caller in the slot, so sessions
 * are created and sockets connected all run long, as in production.
 */
export default defineSoak({
  options: {
    durationSec: 900,
    sessions: 50,
    rampUpSec: 10,
    warmupSec: 60,
    windowSec: 10,
    eventsPerSec: 2,
    sessionLifetimeSec: 60,
    // Each slot is its own caller, with its own address, as far as the target's per-IP limits go.
    loopbackSources: 256,
    thresholds: {
      event_rtt_ms: ['p(95)<150', 'p(99)<400', 'p(99)<1000 over 60s'],
      reply_latency_ms: ['p(95)<200'],
      session_connect_ms: ['p(95)<500'],
      events_lost_rate: ['rate<0.001'],
    },
  },

  async session(s) {
    const session = await s.http.json<{ id: string }>('POST', '/v1/sessions', {
      language: 'en',
      agent: 'soak',
    });
    const { token } = await s.http.json<{ token: string }>('POST', '/v1/voice/token', {
      sessionId: session.id,
    });
    const voice = await s.socket('/voice', { token });

    // Sends never wait for acks: a slow server shows up as latency, not as a slower sender.
    for await (const { seq, intendedAt } of s.schedule()) {
      const chunk = { sessionId: session.id, seq, text: `${WORDS} (${seq})`, sentAt: Date.now() };
      void voice.emitWithAck('transcript', chunk, { seq, intendedAt });
      void voice.expectEvent('agent:reply', { seq }, s.ackTimeoutMs, { intendedAt });
    }

    await voice.drain();
    voice.expectDisconnect();
    await voice.emitWithAck('session:end');
    voice.close();
  },
});
