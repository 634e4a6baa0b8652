import { defineCheck } from '../../../run/checks.ts';
import type { CheckOutcome } from '../../define.ts';
import type {
  ExitObservation,
  SecondSignalObservation,
  ShutdownObservation,
  SocketObservation,
} from './observe.ts';
import { describeAttempt } from './raw-http.ts';
import { outcome, since } from './verdicts.ts';

/** The shutdown checks of how the target ends: its sockets, its exit, and a second signal. */

export const websocketClosedCheck = defineCheck(import.meta.url, {
  id: 'shutdown.websocket-closed',
  title: 'socket.io clients are disconnected by the server',
  verifies:
    'Connected socket.io clients (gracefulShutdownScenario socketNamespace) are disconnected by the server during shutdown with a clean transport close, before the grace period ends.',
  failsWhen:
    'A client is never disconnected, stays connected until the target is killed, cannot connect before SIGTERM, or ends with an unclean reason. "io server disconnect" only warns: such clients do not reconnect by themselves.',
  fix: 'On SIGTERM close the socket.io server (io.close()) or disconnect its sockets, so clients reconnect elsewhere instead of waiting for a timeout.',
  severity: 'blocking',
  proof: { faults: ['shutdown-hang'] },
});

export const exitCodeCheck = defineCheck(import.meta.url, {
  id: 'shutdown.exit-code',
  title: 'The target exits with 0 or 143',
  verifies: 'After SIGTERM the target exits by itself with 0, or 143 (terminated by the signal).',
  failsWhen:
    'It exits with another code (a crash during shutdown), or does not exit within the grace period and has to be killed.',
  fix: 'Exit with 0 once the drain is done, and arm a hard deadline shorter than the orchestrator’s grace period that exits anyway.',
  severity: 'blocking',
  proof: { faults: ['shutdown-hang'] },
});

export const withinDeadlineCheck = defineCheck(import.meta.url, {
  id: 'shutdown.within-deadline',
  title: 'The target exits within the grace period',
  verifies:
    'The target exits within gracefulShutdownScenario graceSec of SIGTERM (Kubernetes’ terminationGracePeriodSeconds, 30 s by default).',
  failsWhen: 'It is still running at the end of the grace period, so an orchestrator would SIGKILL it.',
  fix: 'Bound the drain: after a deadline shorter than the grace period, close the remaining connections and exit.',
  severity: 'blocking',
  proof: { faults: ['shutdown-hang'] },
});

export const secondSignalCheck = defineCheck(import.meta.url, {
  id: 'shutdown.second-signal',
  title: 'A second SIGTERM during the drain does not cut in-flight work',
  verifies:
    'A second SIGTERM sent while the target drains (gracefulShutdownScenario secondSignalAfterMs) does not cut the requests in flight: they still complete with their normal answer.',
  failsWhen:
    'In-flight requests are cut after the second signal ("signal again to force quit"), or the target is gone before it could be sent. Requests that finish before the second signal only warn.',
  fix: 'Make shutdown idempotent: a second SIGTERM while draining is ignored (or logged), not turned into an immediate exit.',
  severity: 'blocking',
  proof: { faults: ['shutdown-abrupt', 'shutdown-second-signal-exit'] },
});

export function websocketClosed(obs: ShutdownObservation): CheckOutcome {
  const clients = obs.sockets.map((s) => describeSocket(s, obs));
  const evidence = { clients };
  if (obs.sockets.length === 0) return outcome('skip', 'no socket.io namespace was configured', evidence);
  const failedToConnect = obs.sockets.find((s) => s.connectError);
  if (failedToConnect) {
    return outcome(
      'fail',
      `a socket.io client could not connect before SIGTERM: ${failedToConnect.connectError} (does the namespace need socketAuth? socketNamespace: null leaves sockets out)`,
      evidence,
    );
  }
  const stillOpen = obs.sockets.filter((s) => !s.reason);
  if (stillOpen.length > 0) {
    return outcome(
      'fail',
      `${stillOpen.length} of ${obs.sockets.length} socket.io clients were never disconnected`,
      evidence,
    );
  }
  const killedAt = obs.exit.killedAt;
  if (killedAt !== null && obs.sockets.some((s) => s.at! >= killedAt)) {
    return outcome(
      'fail',
      `socket.io clients stayed connected until Shakedown killed the target ${since(killedAt, obs.signalledAt)} ms after SIGTERM: the server never closed them`,
      evidence,
    );
  }
  const reasons = [...new Set(obs.sockets.map((s) => s.reason))];
  const bad = reasons.filter((r) => r !== 'transport close' && r !== 'io server disconnect');
  if (bad.length > 0) {
    return outcome(
      'fail',
      `socket.io clients were disconnected with ${bad.join(', ')} instead of a clean close`,
      evidence,
    );
  }
  if (reasons.includes('io server disconnect')) {
    return outcome(
      'warn',
      `socket.io clients were disconnected with "io server disconnect": they will not reconnect by themselves (closing the transport gives "transport close")`,
      evidence,
    );
  }
  const lastMs = Math.max(...obs.sockets.map((s) => since(s.at!, obs.signalledAt)));
  return outcome(
    'pass',
    `all ${obs.sockets.length} socket.io clients saw "transport close" (the last ${lastMs} ms after SIGTERM)`,
    evidence,
  );
}

function describeSocket(s: SocketObservation, obs: ShutdownObservation): string {
  if (s.connectError) return `could not connect: ${s.connectError}`;
  if (!s.reason) return 'still connected';
  return `${s.reason} at ${since(s.at!, obs.signalledAt)} ms`;
}

function exitEvidence(exit: ExitObservation, signalledAt: number, graceMs: number): object {
  return {
    exit: exit.info && { code: exit.info.code, signal: exit.info.signal, shellCode: exit.info.shellCode },
    exitedAtMs: exit.at === null ? null : since(exit.at, signalledAt),
    killedAtMs: exit.killedAt === null ? null : since(exit.killedAt, signalledAt),
    graceMs,
  };
}

export function exitCode(obs: ShutdownObservation): CheckOutcome {
  const evidence = exitEvidence(obs.exit, obs.signalledAt, obs.graceMs);
  const { info, killedAt } = obs.exit;
  if (killedAt !== null) {
    return outcome(
      'fail',
      `the target did not exit within ${obs.graceMs / 1000} s of SIGTERM; Shakedown killed it (${info ? `exit ${info.shellCode}` : 'it survived SIGKILL'}), as an orchestrator would`,
      evidence,
    );
  }
  if (!info) return outcome('fail', 'the target did not exit', evidence);
  const how = info.signal ? `${info.shellCode} (killed by ${info.signal})` : String(info.shellCode);
  if (info.shellCode === 0 || info.shellCode === 143)
    return outcome('pass', `the target exited with ${how}`, evidence);
  return outcome(
    'fail',
    `the target exited with ${how}; after SIGTERM a graceful shutdown exits with 0 or 143`,
    evidence,
  );
}

export function withinDeadline(obs: ShutdownObservation): CheckOutcome {
  const evidence = exitEvidence(obs.exit, obs.signalledAt, obs.graceMs);
  const { at, killedAt } = obs.exit;
  if (killedAt !== null || at === null) {
    return outcome(
      'fail',
      `the target was still running ${obs.graceMs / 1000} s after SIGTERM (the grace period)`,
      evidence,
    );
  }
  const ms = since(at, obs.signalledAt);
  return outcome(
    'pass',
    `the target exited ${ms} ms after SIGTERM, within the ${obs.graceMs / 1000} s grace period`,
    evidence,
  );
}

export function secondSignal(obs: SecondSignalObservation): CheckOutcome {
  const evidence = {
    secondSignalAtMs: obs.secondAt === null ? null : since(obs.secondAt, obs.signalledAt),
    requests: obs.inflight.map(
      (a) => `finished at ${since(a.endedAt, obs.signalledAt)} ms: ${describeAttempt(a)}`,
    ),
    ...exitEvidence(obs.exit, obs.signalledAt, 0),
  };
  if (obs.notRun) return outcome('fail', `not run: ${obs.notRun}`, evidence);
  const bad = obs.inflight.filter((a) => a.outcome !== 'answered' || a.status! < 200 || a.status! >= 300);
  if (bad.length > 0) {
    const when =
      obs.secondAt === null
        ? 'the target went away before the second SIGTERM could be sent'
        : `after a second SIGTERM ${evidence.secondSignalAtMs} ms into the drain`;
    return outcome(
      'fail',
      `in-flight work was cut (${when}): ${bad.map((a) => describeAttempt(a)).join('; ')}`,
      { ...evidence, errors: bad.map((a) => describeAttempt(a)) },
    );
  }
  if (obs.secondAt === null) {
    return outcome(
      'warn',
      'the target exited before the second SIGTERM could be sent; nothing was judged',
      evidence,
    );
  }
  const secondAt = obs.secondAt;
  if (obs.inflight.every((a) => a.endedAt <= secondAt)) {
    return outcome(
      'warn',
      'the in-flight requests finished before the second SIGTERM; use a slower slowPath to judge it',
      evidence,
    );
  }
  return outcome(
    'pass',
    `a second SIGTERM ${evidence.secondSignalAtMs} ms into the drain did not cut the ${obs.inflight.length} in-flight requests`,
    evidence,
  );
}
