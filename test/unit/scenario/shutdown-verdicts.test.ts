import { describe, expect, it } from 'vitest';
import {
  exitCode,
  secondSignal,
  websocketClosed,
  withinDeadline,
} from '../../../src/scenario/builtin/graceful-shutdown/exit-verdicts.ts';
import type { KeepAliveReport } from '../../../src/scenario/builtin/graceful-shutdown/keep-alive.ts';
import type {
  SecondSignalObservation,
  ShutdownObservation,
} from '../../../src/scenario/builtin/graceful-shutdown/observe.ts';
import type { Attempt } from '../../../src/scenario/builtin/graceful-shutdown/raw-http.ts';
import {
  inflightCompleted,
  keepAliveClosed,
  readinessFlips,
  refusesNew,
} from '../../../src/scenario/builtin/graceful-shutdown/verdicts.ts';

// Times are absolute performance.now() values; the signal is at 1000.
const T0 = 1000;
const ok = (status: number, at: number, ms = 3): Attempt => ({
  outcome: 'answered',
  status,
  startedAt: T0 + at,
  endedAt: T0 + at + ms,
});
const failed = (outcome: Attempt['outcome'], at: number, ms = 2, code = 'ECONNREFUSED'): Attempt => ({
  outcome,
  code,
  startedAt: T0 + at,
  endedAt: T0 + at + ms,
});
const exited = (code: number, at: number) => ({
  info: { code, signal: null, shellCode: code, atMs: 9_000 },
  at: T0 + at,
  killedAt: null,
});

function observation(over: Partial<ShutdownObservation> = {}): ShutdownObservation {
  return {
    signalledAt: T0,
    graceMs: 30_000,
    readinessWithinMs: 1_000,
    readiness: [{ ready: ok(503, 2), live: ok(200, 2) }],
    inflight: [ok(200, -300, 1_800)],
    keepAlive: [
      { responses: 3, statuses: [200, 200, 200], ending: 'connection-close', detail: '', endedAt: T0 + 100 },
    ],
    newConnections: [ok(200, 5), failed('refused', 600)],
    sockets: [{ reason: 'transport close', at: T0 + 550 }],
    exit: exited(0, 1_600),
    ...over,
  };
}

describe('shutdown verdicts on a graceful shutdown', () => {
  it('passes every check', () => {
    const obs = observation();
    for (const verdict of [
      readinessFlips,
      inflightCompleted,
      keepAliveClosed,
      refusesNew,
      websocketClosed,
      exitCode,
      withinDeadline,
    ]) {
      expect(verdict(obs).verdict, verdict.name).toBe('pass');
    }
  });
});

describe('shutdown.readiness-flips', () => {
  it('fails when readiness answers 200 and then the port closes', () => {
    const result = readinessFlips(
      observation({
        readiness: [
          { ready: ok(200, 2), live: ok(200, 2) },
          { ready: failed('refused', 520), live: failed('refused', 520) },
        ],
      }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/never reported 503.*answered 200/);
  });

  it('fails when the target vanishes at once', () => {
    const result = readinessFlips(
      observation({ readiness: [{ ready: failed('refused', 1), live: failed('refused', 1) }] }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/stopped answering at once/);
  });

  it('fails when liveness fails along with readiness', () => {
    const result = readinessFlips(observation({ readiness: [{ ready: ok(503, 2), live: ok(503, 2) }] }));
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/liveness did not stay 200/);
  });

  it('warns on a non-503 failure status', () => {
    expect(
      readinessFlips(observation({ readiness: [{ ready: ok(500, 2), live: ok(200, 2) }] })).verdict,
    ).toBe('warn');
  });
});

describe('shutdown.inflight-completed', () => {
  it('fails on a reset request and names it', () => {
    const result = inflightCompleted(
      observation({ inflight: [ok(200, -200, 1_500), failed('reset', -200, 250, 'ECONNRESET')] }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/1 of 2 .*ECONNRESET/);
  });

  it('fails on an abnormal status', () => {
    expect(inflightCompleted(observation({ inflight: [ok(503, -200, 100)] })).verdict).toBe('fail');
  });
});

describe('shutdown.keepalive-closed', () => {
  const report = (ending: KeepAliveReport['ending'], endedAt = T0 + 100): KeepAliveReport => ({
    responses: 2,
    statuses: [200, 200],
    ending,
    detail: 'x',
    endedAt,
  });

  it('accepts a clean close between responses', () => {
    expect(keepAliveClosed(observation({ keepAlive: [report('idle-close')] })).verdict).toBe('pass');
  });

  it('fails on a connection cut with a request outstanding', () => {
    const result = keepAliveClosed(observation({ keepAlive: [report('connection-close'), report('cut')] }));
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/1 of 2 .*cut/);
  });

  it('fails on a connection still open', () => {
    expect(keepAliveClosed(observation({ keepAlive: [report('open')] })).verdict).toBe('fail');
  });

  it('skips when the server closed every connection before the signal', () => {
    expect(keepAliveClosed(observation({ keepAlive: [report('connection-close', T0 - 50)] })).verdict).toBe(
      'skip',
    );
  });
});

describe('shutdown.refuses-new', () => {
  it('fails on a hung connection', () => {
    const result = refusesNew(
      observation({ newConnections: [ok(200, 5), failed('timeout', 600, 2_000, 'TIMEOUT')] }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/hung/);
  });

  it('fails when connections are accepted again after being refused', () => {
    const result = refusesNew(observation({ newConnections: [failed('refused', 500), ok(200, 600)] }));
    expect(result.message).toMatch(/refused, then accepted again/);
    expect(result.verdict).toBe('fail');
  });

  it('fails when a connection is accepted then reset in the middle of the drain', () => {
    const result = refusesNew(
      observation({
        newConnections: [
          ok(200, 5),
          failed('reset', 100, 2, 'ECONNRESET'),
          ok(200, 200),
          failed('refused', 600),
        ],
      }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/dropped without a response/);
  });

  it('tolerates one reset right where the listener closes', () => {
    const result = refusesNew(
      observation({
        newConnections: [ok(200, 5), failed('reset', 500, 2, 'ECONNRESET'), failed('refused', 600)],
      }),
    );
    expect(result.verdict).toBe('pass');
  });

  it('leaves a final reset caused by the exit to the exit checks', () => {
    const result = refusesNew(
      observation({ newConnections: [failed('reset', 2, 50, 'ECONNRESET')], exit: exited(0, 70) }),
    );
    expect(result.verdict).toBe('pass');
  });
});

describe('shutdown.websocket-closed', () => {
  it('warns on "io server disconnect"', () => {
    expect(
      websocketClosed(observation({ sockets: [{ reason: 'io server disconnect', at: T0 + 500 }] })).verdict,
    ).toBe('warn');
  });

  it('fails when the clients are only disconnected by the kill', () => {
    const result = websocketClosed(
      observation({
        sockets: [{ reason: 'transport close', at: T0 + 8_010 }],
        exit: {
          info: { code: null, signal: 'SIGKILL', shellCode: 137, atMs: 1 },
          at: T0 + 8_020,
          killedAt: T0 + 8_000,
        },
      }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/until Shakedown killed/);
  });

  it('fails when a client could not connect', () => {
    expect(websocketClosed(observation({ sockets: [{ connectError: 'unauthorized' }] })).verdict).toBe(
      'fail',
    );
  });

  it('skips without a namespace', () => {
    expect(websocketClosed(observation({ sockets: [] })).verdict).toBe('skip');
  });
});

describe('shutdown.exit-code and shutdown.within-deadline', () => {
  it('accepts 143', () => {
    const exit = {
      info: { code: null, signal: 'SIGTERM' as const, shellCode: 143, atMs: 1 },
      at: T0 + 10,
      killedAt: null,
    };
    expect(exitCode(observation({ exit })).verdict).toBe('pass');
  });

  it('fails on exit 1', () => {
    expect(exitCode(observation({ exit: exited(1, 10_000) })).message).toMatch(/exited with 1/);
  });

  it('fails both when the target had to be killed', () => {
    const exit = {
      info: { code: null, signal: 'SIGKILL' as const, shellCode: 137, atMs: 1 },
      at: T0 + 30_050,
      killedAt: T0 + 30_000,
    };
    expect(exitCode(observation({ exit })).verdict).toBe('fail');
    expect(exitCode(observation({ exit })).message).toMatch(/killed it \(exit 137\)/);
    expect(withinDeadline(observation({ exit })).verdict).toBe('fail');
  });
});

describe('shutdown.second-signal', () => {
  const second = (over: Partial<SecondSignalObservation>): SecondSignalObservation => ({
    signalledAt: T0,
    secondAt: T0 + 200,
    inflight: [ok(200, -150, 1_600)],
    exit: exited(0, 1_500),
    ...over,
  });

  it('passes when the work survives the second signal', () => {
    expect(secondSignal(second({})).verdict).toBe('pass');
  });

  it('fails when the second signal cuts the work', () => {
    const result = secondSignal(
      second({ inflight: [failed('reset', -150, 360, 'ECONNRESET')], exit: exited(0, 210) }),
    );
    expect(result.verdict).toBe('fail');
    expect(result.message).toMatch(/second SIGTERM 200 ms into the drain/);
  });

  it('warns when the work was over before the second signal', () => {
    expect(secondSignal(second({ inflight: [ok(200, -150, 200)] })).verdict).toBe('warn');
  });

  it('fails when the target is not ready to begin with', () => {
    expect(secondSignal(second({ notRun: 'not ready', inflight: [] })).verdict).toBe('fail');
  });
});
