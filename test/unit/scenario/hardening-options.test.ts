import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../../src/errors.ts';
import { hardeningScenario } from '../../../src/scenario/builtin/hardening.ts';

describe('hardeningScenario options', () => {
  it('defaults the health paths and accepts an empty call', () => {
    expect(hardeningScenario().name).toBe('hardening');
  });

  it('reports every bad option with its path', () => {
    let error: unknown;
    try {
      hardeningScenario({
        cors: { allowedOrigins: ['https://app.example.test/path'] },
        bodyLimit: { path: 'v1/sessions', bytes: 10 },
        startup: { requiredSecrets: [] },
        // @ts-expect-error: an unknown key must be refused, not ignored
        helth: {},
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShakedownError);
    const { code, message } = error as ShakedownError;
    expect(code).toBe('SHK_SCRIPT_INVALID');
    expect(message).toContain('hardeningScenario({...})');
    expect(message).toContain('cors.allowedOrigins.0: expected a serialized origin');
    expect(message).toContain('bodyLimit.path: expected a path starting with /');
    expect(message).toContain('bodyLimit.bytes: expected a byte count ≥ 64');
    expect(message).toContain('startup.requiredSecrets');
    expect(message).toContain('helth');
  });
});
