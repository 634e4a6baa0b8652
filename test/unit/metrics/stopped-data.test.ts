import { describe, expect, it } from 'vitest';
import { clock, unlessDataStopped } from '../../../src/metrics/stopped-data.ts';
import { noEventLossCheck } from '../../../src/soak/verdicts/event-loss.ts';
import { JUDGED_OVER_TIME } from '../../../src/soak/verdicts/index.ts';
import { memoryLeakCheck } from '../../../src/soak/verdicts/memory-leak.ts';

const stop = { atMs: 71_000, message: 'GET /livez refused the connection' };

describe('unlessDataStopped', () => {
  const leakPass = memoryLeakCheck.result('pass', 'RSS flat', {
    evidence: { source: 'prometheus' },
    durationMs: 12,
  });

  it('formats the time since the engine started as m:ss', () => {
    expect(clock(71_900)).toBe('1:11');
    expect(clock(5_000)).toBe('0:05');
  });

  it('leaves every result alone while the target is there', () => {
    expect(unlessDataStopped(leakPass, null, JUDGED_OVER_TIME)).toBe(leakPass);
  });

  it('turns a verdict judged over time into a skip of the same check, saying since when', () => {
    const result = unlessDataStopped(leakPass, stop, JUDGED_OVER_TIME);
    expect(result).toEqual({
      id: memoryLeakCheck.id,
      title: memoryLeakCheck.title,
      verdict: 'skip',
      message:
        'not judged: no samples since 1:11, GET /livez refused the connection. (On the data before: RSS flat)',
      evidence: { source: 'prometheus' },
      durationMs: 12,
    });
  });

  it('keeps a failure found on the data before the stop', () => {
    const fail = memoryLeakCheck.fail('RSS grows 6 MiB/min');
    expect(unlessDataStopped(fail, stop, JUDGED_OVER_TIME)).toBe(fail);
  });

  it('leaves checks that are not judged over time alone', () => {
    const loss = noEventLossCheck.pass('0 of 10 events got no ack');
    expect(JUDGED_OVER_TIME).not.toContain(noEventLossCheck);
    expect(unlessDataStopped(loss, stop, JUDGED_OVER_TIME)).toBe(loss);
  });
});
