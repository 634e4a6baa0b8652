import type { CheckOutcome } from '../../define.ts';
import type {
  ExitObservation,
  SecondSignalObservation,
  ShutdownObservation,
  SocketObservation,
} from './observe.ts';
import { type Attempt, describeAttempt } from './raw-http.ts';

/**
 * The shutdown checks as pure functions of what was observed, so each rule can be tested on its own.
 * Times in messages and evidence are milliseconds since the first SIGTERM.
 */

const outcome = (verdict: CheckOutcome['verdict'], message: string, evidence: object): CheckOutcome => ({
  verdict,
  message,
  evidence: evidence as CheckOutcome['evidence'],
});

/** A reset this close to the exit is taken as caused by it (the exit event arrives a little later). */
const EXIT_RESET_WINDOW_MS = 1_000;

const since = (at: number, from: number) => Math.round(at - from);

function attemptLine(attempt: Attempt, signalledAt: number): string {
  return `at ${since(attempt.startedAt, signalledAt)} ms: ${describeAttempt(attempt)}`;
}

export function readinessFlips(obs: ShutdownObservation): CheckOutcome {
  const ticks = obs.readiness.map((t) => ({
    atMs: since(t.ready.startedAt, obs.signalledAt),
    ready: describeAttempt(t.ready),
    live: t.live ? describeAttempt(t.live) : null,
  }));
  const evidence = { ticks, readinessWithinMs: obs.readinessWithinMs };
  const flip = obs.readiness.findIndex((t) => t.ready.outcome === 'answered' && t.ready.status! >= 400);
  if (flip < 0) return outcome('fail', `readiness never reported 503: ${noFlipReason(obs)}`, evidence);
  const liveBad = obs.readiness
    .slice(0, flip + 1)
    .find((t) => t.live !== null && (t.live.outcome !== 'answered' || t.live.status !== 200));
  if (liveBad?.live) {
    return outcome(
      'fail',
      `liveness did not stay 200 while readiness flipped: ${attemptLine(liveBad.live, obs.signalledAt)} (an orchestrator would kill the draining process)`,
      evidence,
    );
  }
  const { status } = obs.readiness[flip].ready;
  const alongside =
    obs.readiness[flip].live === null ? ' (no liveness route configured)' : ' while liveness answered 200';
  const atMs = ticks[flip].atMs;
  if (status !== 503) {
    return outcome(
      'warn',
      `readiness failed with ${status} ${atMs} ms after SIGTERM; 503 is the convention`,
      evidence,
    );
  }
  return outcome('pass', `readiness answered 503 ${atMs} ms after SIGTERM${alongside}`, evidence);
}

function noFlipReason(obs: ShutdownObservation): string {
  const last = obs.readiness.at(-1);
  if (!last) return 'no readiness probe completed';
  const answered = obs.readiness.filter((t) => t.ready.outcome === 'answered');
  if (last.ready.outcome === 'answered') {
    return `it still answered ${last.ready.status} ${obs.readinessWithinMs} ms after SIGTERM`;
  }
  const stopped = `then ${describeAttempt(last.ready)} at ${since(last.ready.startedAt, obs.signalledAt)} ms`;
  return answered.length > 0
    ? `it answered ${answered.map((t) => t.ready.status).join(', ')} after SIGTERM, ${stopped}; a load balancer kept sending traffic to a process about to stop`
    : `the target stopped answering at once (${describeAttempt(last.ready)}); a load balancer never saw it leave`;
}

export function inflightCompleted(obs: ShutdownObservation): CheckOutcome {
  const lines = obs.inflight.map(
    (a) => `finished ${since(a.endedAt, obs.signalledAt)} ms after SIGTERM: ${describeAttempt(a)}`,
  );
  const evidence = { requests: lines };
  if (obs.inflight.length === 0) return outcome('skip', 'no in-flight requests were configured', evidence);
  const bad = obs.inflight.filter((a) => a.outcome !== 'answered' || a.status! < 200 || a.status! >= 300);
  if (bad.length > 0) {
    return outcome(
      'fail',
      `${bad.length} of ${obs.inflight.length} requests in flight at SIGTERM did not complete normally: ${bad.map((a) => describeAttempt(a)).join('; ')}`,
      { ...evidence, errors: bad.map((a) => attemptLine(a, obs.signalledAt)) },
    );
  }
  const lastMs = Math.max(...obs.inflight.map((a) => since(a.endedAt, obs.signalledAt)));
  return outcome(
    'pass',
    `all ${obs.inflight.length} requests in flight at SIGTERM completed with their normal status (the last ${lastMs} ms after the signal)`,
    evidence,
  );
}

export function keepAliveClosed(obs: ShutdownObservation): CheckOutcome {
  const connections = obs.keepAlive.map((r) => ({
    ending: r.ending,
    detail: r.detail,
    responses: r.responses,
    endedAtMs: since(r.endedAt, obs.signalledAt),
  }));
  const evidence = { connections };
  if (connections.length === 0) return outcome('skip', 'no keep-alive connections were configured', evidence);
  const early = connections.filter((c) => c.endedAtMs < 0);
  if (early.length === connections.length && early.every((c) => c.ending !== 'connect-failed')) {
    return outcome(
      'skip',
      'the target closed every connection before SIGTERM: it does not keep connections alive',
      evidence,
    );
  }
  const bad = connections.filter((c) => !['connection-close', 'idle-close'].includes(c.ending));
  if (bad.length > 0) {
    return outcome(
      'fail',
      `${bad.length} of ${connections.length} keep-alive connections ended badly: ${bad.map((c) => `${c.ending} (${c.detail})`).join('; ')}`,
      { ...evidence, errors: bad.map((c) => `${c.ending} at ${c.endedAtMs} ms: ${c.detail}`) },
    );
  }
  const byHeader = connections.filter((c) => c.ending === 'connection-close').length;
  return outcome(
    'pass',
    `${connections.length} keep-alive connections closed cleanly: ${byHeader} after a response with Connection: close, ${connections.length - byHeader} between responses`,
    evidence,
  );
}

/**
 * Attempts overlapping the exit are left out by the prober. Before the first refusal, attempts are
 * answered (the drain); after it, all must be refused. One reset right at the switch is tolerated:
 * a connection waiting in the accept queue when the listener closes is reset by the kernel.
 */
export function refusesNew(obs: ShutdownObservation): CheckOutcome {
  const evidence = { attempts: obs.newConnections.map((a) => attemptLine(a, obs.signalledAt)) };
  const last = obs.newConnections.at(-1);
  // A connection reset by the process exiting is the exit's finding (shutdown.inflight-completed).
  const resetByExit =
    last?.outcome === 'reset' && obs.exit.at !== null && obs.exit.at - last.endedAt < EXIT_RESET_WINDOW_MS;
  const attempts = resetByExit ? obs.newConnections.slice(0, -1) : obs.newConnections;
  if (attempts.length === 0) {
    return outcome(
      'pass',
      'the target exited before a new connection could be tried; nothing was left hanging',
      evidence,
    );
  }
  const hung = attempts.find((a) => a.outcome === 'timeout');
  if (hung) {
    return outcome(
      'fail',
      `a new connection hung instead of being refused: ${attemptLine(hung, obs.signalledAt)}`,
      evidence,
    );
  }
  const firstRefused = attempts.findIndex((a) => a.outcome === 'refused');
  const before = firstRefused < 0 ? attempts : attempts.slice(0, firstRefused);
  const after = firstRefused < 0 ? [] : attempts.slice(firstRefused);
  const accepted = after.find((a) => a.outcome !== 'refused');
  if (accepted) {
    return outcome(
      'fail',
      `new connections were refused, then accepted again: ${attemptLine(accepted, obs.signalledAt)}`,
      evidence,
    );
  }
  const slow = after.find((a) => a.endedAt - a.startedAt > 1_000);
  if (slow)
    return outcome('fail', `a refusal took over 1 s: ${attemptLine(slow, obs.signalledAt)}`, evidence);
  const broken = before.filter(
    (a, i) =>
      a.outcome !== 'answered' && !(a.outcome === 'reset' && i === before.length - 1 && firstRefused >= 0),
  );
  if (broken.length > 0) {
    return outcome(
      'fail',
      `new connections were accepted, then dropped without a response: ${broken.map((a) => attemptLine(a, obs.signalledAt)).join('; ')}`,
      evidence,
    );
  }
  if (firstRefused < 0) {
    return outcome(
      'pass',
      `new connections were answered until the target exited (${attempts.length} tried, none reset or hung)`,
      evidence,
    );
  }
  return outcome(
    'pass',
    `new connections were refused from ${since(attempts[firstRefused].startedAt, obs.signalledAt)} ms after SIGTERM, each within ${Math.max(...after.map((a) => Math.round(a.endedAt - a.startedAt)))} ms`,
    evidence,
  );
}

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
