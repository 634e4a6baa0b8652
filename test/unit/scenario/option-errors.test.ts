import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../../src/errors.ts';
import { gracefulShutdownScenario } from '../../../src/scenario/builtin/graceful-shutdown.ts';
import { webhookReplayScenario } from '../../../src/scenario/builtin/webhook-replay.ts';

function rejected(make: () => unknown): ShakedownError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ShakedownError);
    return error as ShakedownError;
  }
  throw new Error('expected the options to be refused');
}

describe('built-in option errors name what is allowed', () => {
  it("scheme: 'Stripe' lists the scheme names (not zod's 'Invalid input')", () => {
    const error = rejected(() => webhookReplayScenario({ path: '/hooks', scheme: 'Stripe' as 'stripe' }));
    expect(error.code).toBe('SHK_SCRIPT_INVALID');
    expect(error.message).toContain(
      "scheme: expected one of 'stripe' | 'standard-webhooks' | 'github' | 'slack', or hmacScheme({...}), got 'Stripe'",
    );
    expect(error.message).not.toContain('Invalid input');
  });

  it('graceful shutdown takes livePath: null for a service with a single health route', () => {
    expect(() => gracefulShutdownScenario({ readyPath: '/health', livePath: null })).not.toThrow();
    expect(rejected(() => gracefulShutdownScenario({ livePath: 'health' })).message).toContain(
      "livePath: expected a path starting with /, got 'health'",
    );
  });
});
