import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../../../src/errors.ts';
import { gracefulShutdownScenario } from '../../../src/scenario/builtin/graceful-shutdown.ts';

describe('gracefulShutdownScenario options', () => {
  it('has defaults for every option', () => {
    expect(gracefulShutdownScenario().name).toBe('graceful-shutdown');
  });

  it('reports every bad option with its path', () => {
    const call = () =>
      gracefulShutdownScenario({
        slowPath: 'v1/slow',
        graceSec: -1,
        inflightRequests: 1.5,
        // @ts-expect-error: a function is required
        socketAuth: 'token',
      });
    expect(call).toThrow(ShakedownError);
    expect(call).toThrow(/slowPath: expected a path starting with \//);
    expect(call).toThrow(/graceSec/);
    expect(call).toThrow(/inflightRequests/);
    expect(call).toThrow(/socketAuth: expected an async function/);
  });
});
