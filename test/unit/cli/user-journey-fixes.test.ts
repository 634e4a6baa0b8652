import { describe, expect, it } from 'vitest';
import { mismatchesBetween } from '../../../src/report/baseline/compare.ts';
import type { RunEvent } from '../../../src/run/model.ts';
import { buildSummary } from '../../../src/run/summary.ts';
import type { ShutdownObservation } from '../../../src/scenario/builtin/graceful-shutdown/observe.ts';
import { readinessFlips } from '../../../src/scenario/builtin/graceful-shutdown/verdicts.ts';

const at = '2026-12-03T10:00:00.000Z';
const start: RunEvent = {
  type: 'run-start',
  at,
  runId: 'r1',
  profile: 'quick',
  shakedownVersion: '0.1.0',
  target: { baseUrl: '(local stack)', stack: 'local' },
  command: 'run',
};

describe('summary.json target', () => {
  it('names the URL the run used once the stack said it (run-end), also when rebuilt from events', () => {
    const summary = buildSummary([
      start,
      { type: 'run-end', at, target: { baseUrl: 'http://127.0.0.1:41234', stack: 'local' } },
    ]);
    expect(summary.target).toEqual({ baseUrl: 'http://127.0.0.1:41234', stack: 'local' });
  });

  it('keeps the placeholder when the stack never came up', () => {
    expect(buildSummary([start, { type: 'run-end', at }]).target.baseUrl).toBe('(local stack)');
  });

  it('baselines of a started stack compare across runs whatever port it got; url targets must match', () => {
    const run = (stack: 'local' | 'url', baseUrl: string) => ({
      profile: 'full',
      target: { stack, baseUrl },
    });
    expect(
      mismatchesBetween(run('local', 'http://127.0.0.1:40001'), run('local', 'http://127.0.0.1:40002')),
    ).toEqual([]);
    expect(mismatchesBetween(run('local', 'http://127.0.0.1:40001'), run('local', '(local stack)'))).toEqual(
      [],
    );
    expect(mismatchesBetween(run('url', 'https://a.example'), run('url', 'https://b.example'))).toHaveLength(
      1,
    );
    expect(
      mismatchesBetween(run('url', 'http://127.0.0.1:1'), run('local', 'http://127.0.0.1:1')),
    ).toHaveLength(1);
  });
});

describe('graceful shutdown with a single health route (livePath: null)', () => {
  const obs = (status: number): ShutdownObservation =>
    ({
      signalledAt: 1000,
      readinessWithinMs: 1000,
      readiness: [
        { ready: { outcome: 'answered', status: 200, startedAt: 1002, endedAt: 1004 }, live: null },
        { ready: { outcome: 'answered', status, startedAt: 1102, endedAt: 1104 }, live: null },
      ],
    }) as unknown as ShutdownObservation;

  it('passes on the readiness flip alone, and says liveness was not checked', () => {
    const result = readinessFlips(obs(503));
    expect(result.verdict).toBe('pass');
    expect(result.message).toBe('readiness answered 503 102 ms after SIGTERM (no liveness route configured)');
  });

  it('still fails when readiness never flips', () => {
    const result = readinessFlips(obs(200));
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/never reported 503/);
  });
});
