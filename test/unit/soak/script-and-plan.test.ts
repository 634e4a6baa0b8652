import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { ShakedownError } from '../../../src/errors.ts';
import { resolvePlan } from '../../../src/soak/plan.ts';
import { loadSoakScript, soakName } from '../../../src/soak/script.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/soak/', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const soakConfig = (soak: Record<string, unknown> = {}) => configSchema.parse({ soak }).soak;

async function loadError(file: string): Promise<ShakedownError> {
  try {
    await loadSoakScript(file);
  } catch (error) {
    return error as ShakedownError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('loading a soak script', () => {
  it('loads options and the session function, named by the file stem', async () => {
    const script = await loadSoakScript(fixture('minimal.soak.ts'));
    expect(script.name).toBe('minimal');
    expect(script.options.sessions).toBe(4);
    expect(script.options.thresholds?.event_rtt_ms).toEqual(['p(95)<150']);
    expect(typeof script.session).toBe('function');
    expect(soakName('/x/voice-sessions.soak.ts')).toBe('voice-sessions');
    expect(soakName('/x/plain.ts')).toBe('plain');
  });

  it.each([
    ['missing.soak.ts', /does not exist\. Create it \(export default defineSoak/],
    ['no-session.soak.ts', /must default-export a script with a session function/],
    ['throws-on-import.soak.ts', /cannot load soak script .*the script blew up while loading/],
    ['bad-options.soak.ts', /invalid options:\n {2}- options\.sessions: expected a positive integer/],
  ])('rejects %s with SHK_SCRIPT_INVALID naming the file', async (name, message) => {
    const error = await loadError(fixture(name));
    expect(error).toBeInstanceOf(ShakedownError);
    expect(error.code).toBe('SHK_SCRIPT_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(fixture(name));
    expect(error.message).toMatch(message);
  });

  it('lists every invalid option', async () => {
    const { message } = await loadError(fixture('bad-options.soak.ts'));
    expect(message).toContain('options.eventsPerSec');
    expect(message).toContain('colour');
  });
});

describe('the soak plan', () => {
  it('uses the engine defaults for a script without options', () => {
    const plan = resolvePlan({}, soakConfig());
    expect(plan).toMatchObject({
      durationMs: 900_000,
      sessions: 10,
      eventsPerSec: 2,
      warmupMs: 60_000,
      rampUpMs: 10_000,
      rampDownMs: 0,
      windowMs: 10_000,
      sessionLifetimeMs: 60_000,
      ackTimeoutMs: 5_000,
      maxLostRate: 0,
      maxUnexpectedDisconnects: 0,
      leak: { maxSlopeBytesPerMin: 1024 * 1024, maxGrowthPct: 10 },
      drift: { maxFactor: 1.5, minDeltaMs: 5 },
      generator: { maxEventLoopP99Ms: 50, maxCpuPct: 90, maxOverloadedWindowsPct: 10 },
      sessionsHeldPct: 5,
      workers: 1,
      steadyFromMs: 60_000,
      steadyToMs: 900_000,
    });
  });

  it('lets the config override the script, field by field, and --workers override both', () => {
    const plan = resolvePlan(
      { durationSec: 900, sessions: 50, warmupSec: 60, drift: { maxFactor: 2, minDeltaMs: 10 } },
      soakConfig({ durationSec: 60, warmupSec: 10, sessions: 20, workers: 2, drift: { minDeltaMs: 50 } }),
      3,
    );
    expect(plan).toMatchObject({ durationMs: 60_000, warmupMs: 10_000, sessions: 20, workers: 3 });
    expect(plan.drift).toEqual({ maxFactor: 2, minDeltaMs: 50 });
  });

  it('starts judging after both warm-up and ramp-up, and stops before ramp-down', () => {
    const plan = resolvePlan(
      { durationSec: 120, warmupSec: 10, rampUpSec: 30, rampDownSec: 20 },
      soakConfig(),
    );
    expect(plan.steadyFromMs).toBe(30_000);
    expect(plan.steadyToMs).toBe(100_000);
  });

  it('derives a short warm-up for a short run', () => {
    expect(resolvePlan({ durationSec: 30 }, soakConfig()).warmupMs).toBe(6_000);
  });

  it('reports options that do not fit together, all at once, as a config error', () => {
    let error: ShakedownError | undefined;
    try {
      resolvePlan({ durationSec: 20, warmupSec: 30, windowSec: 40, sessions: 2 }, soakConfig({ workers: 4 }));
    } catch (e) {
      error = e as ShakedownError;
    }
    expect(error?.code).toBe('SHK_CONFIG_INVALID');
    expect(error?.message).toContain('soak.windowSec (40 s) is longer than soak.durationSec (20 s)');
    expect(error?.message).toContain('nothing is left to judge');
    expect(error?.message).toContain('soak.workers (4) is more than soak.sessions (2)');
  });

  it('validates the config section strictly', () => {
    const result = configSchema.safeParse({
      soak: { sessions: 0, leak: { maxSlopeBytesPerMin: -1 }, typo: 1 },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['soak.sessions', 'soak.leak.maxSlopeBytesPerMin', 'soak']));
  });
});
