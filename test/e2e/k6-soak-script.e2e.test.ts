import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintToken, nowSec, startInProcess } from '../../examples/voice-api/test/helpers.ts';
import type { SoakConfig } from '../../src/config/schema.ts';
import { soakScript } from '../../src/k6/soak-script.ts';
import { resolvePlan } from '../../src/soak/plan.ts';
import { REPO_ROOT, tempDir } from '../helpers/cli.ts';
import { importK6Script, setK6Env } from '../helpers/k6-node.ts';
import { k6Samples } from '../helpers/k6-shim.ts';

const samples = k6Samples();

/**
 * The generated soak.ts, bundled with k6's modules swapped for Node shims, so one real session runs
 * against the reference target: the script's own HTTP calls, adapter, schedule, acks and metrics.
 */
async function loadSession(): Promise<() => Promise<void>> {
  const plan = resolvePlan(
    { eventsPerSec: 100, sessionLifetimeSec: 3, ackTimeoutMs: 1000, durationSec: 10, sessions: 1 },
    { workers: 1 } as SoakConfig,
  );
  const dir = tempDir('shakedown-k6-soak-');
  writeFileSync(
    path.join(dir, 'soak.ts'),
    soakScript({
      plan,
      thresholds: {},
      auth: { type: 'bearer', token: () => '' },
      baseUrl: undefined,
      socketUrl: undefined,
      source: 'test',
      script: 'soak/voice-sessions.soak.ts',
    }),
  );
  writeFileSync(
    path.join(dir, 'socketio.ts'),
    readFileSync(path.join(REPO_ROOT, 'src/k6/runtime/socketio.ts'), 'utf8'),
  );
  return (await importK6Script(path.join(dir, 'soak.ts'))).default;
}

function total(metric: string, tags?: Record<string, string>): number {
  return samples
    .filter(
      (s) => s.metric === metric && (!tags || Object.entries(tags).every(([k, v]) => s.tags?.[k] === v)),
    )
    .reduce((sum, s) => sum + s.value, 0);
}

async function runOneSession(faults?: string, dropSocketsEveryMs = 60_000) {
  const { url, env } = await startInProcess({
    ...(faults ? { VOICE_API_FAULTS: faults, FAULT_DROP_SOCKETS_EVERY_MS: String(dropSocketsEveryMs) } : {}),
  });
  const token = await mintToken(env.JWT_SECRET!, { sub: 'k6', expSec: nowSec() + 600 });
  setK6Env({ SHAKEDOWN_BASE_URL: url, SHAKEDOWN_TOKEN: token });
  samples.length = 0;
  const session = await loadSession();
  await session();
}

describe('the exported soak.ts, run on Node shims against the reference target', () => {
  it('streams a whole session: every event sent, acked and answered, then ended cleanly', async () => {
    await runOneSession();
    expect(total('sessions_started')).toBe(1);
    expect(total('sessions_failed')).toBe(0);
    expect(total('events_sent')).toBe(300);
    expect(total('events_acked')).toBe(300);
    expect(total('events_lost')).toBe(0);
    expect(samples.filter((s) => s.metric === 'events_lost_rate').length).toBe(300);
    expect(samples.filter((s) => s.metric === 'event_rtt_ms').length).toBe(300);
    expect(samples.filter((s) => s.metric === 'reply_latency_ms').length).toBe(300);
    expect(samples.filter((s) => s.metric === 'session_connect_ms').length).toBe(1);
    expect(total('disconnects')).toBe(0);
    expect(total('sessions_ended')).toBe(1);
  }, 30_000);

  it('counts the acks a faulty target drops as lost events', async () => {
    await runOneSession('soak-drop');
    expect(total('events_sent')).toBe(300);
    expect(total('events_lost')).toBeGreaterThanOrEqual(1);
    expect(total('events_acked') + total('events_lost')).toBe(300);
    expect(samples.filter((s) => s.metric === 'events_lost_rate' && s.value === 1).length).toBe(
      total('events_lost'),
    );
  }, 30_000);

  it('counts a socket the target cuts as an unexpected disconnect, by reason', async () => {
    await runOneSession('soak-drop', 1000);
    expect(total('disconnects', { reason: 'transport close' })).toBe(1);
    expect(total('sessions_ended')).toBe(0);
    expect(total('events_sent')).toBeLessThan(300);
  }, 30_000);
});
