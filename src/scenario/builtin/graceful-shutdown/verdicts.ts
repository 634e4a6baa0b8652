import { defineCheck } from '../../../run/checks.ts';
import type { CheckOutcome } from '../../define.ts';
import type { ShutdownObservation } from './observe.ts';
import { type Attempt, describeAttempt } from './raw-http.ts';

/**
 * The shutdown checks as pure functions of what was observed, so each rule can be tested on its own:
 * here what traffic sees during the drain; the exit and the second signal in exit-verdicts.ts.
 * Times in messages and evidence are milliseconds since the first SIGTERM.
 */

export const readinessFlipsCheck = defineCheck(import.meta.url, {
  id: 'shutdown.readiness-flips',
  title: 'Readiness answers 503 soon after SIGTERM while liveness stays 200',
  verifies:
    'After SIGTERM, the readiness route (gracefulShutdownScenario readyPath) answers 503 within readinessWithinSec while liveness (livePath) stays 200, so a load balancer stops sending traffic before the process stops serving.',
  failsWhen:
    'Readiness keeps answering 200 while the target drains, or the target stops answering at once so no load balancer sees it leave, or liveness fails meanwhile (an orchestrator would kill the draining process). Another 4xx/5xx instead of 503 only warns.',
  fix: 'On SIGTERM, first make readiness answer 503 and keep serving (liveness still 200) for as long as your load balancer takes to notice, then stop accepting and drain.',
  severity: 'blocking',
  proof: { faults: ['shutdown-abrupt', 'shutdown-no-readiness'] },
});

export const inflightCompletedCheck = defineCheck(import.meta.url, {
  id: 'shutdown.inflight-completed',
  title: 'Requests in flight at SIGTERM complete normally',
  verifies:
    'Slow requests (gracefulShutdownScenario slowPath) already in flight when SIGTERM arrives complete with their normal 2xx answer.',
  failsWhen: 'One is cut, reset or answered with an error because the process exits without draining.',
  fix: 'On SIGTERM stop accepting new connections but let the server finish the requests it has (server.close() in Node, graceful shutdown in your framework), and exit only when they are done or the deadline passes.',
  severity: 'blocking',
  proof: { faults: ['shutdown-abrupt'] },
});

export const keepAliveClosedCheck = defineCheck(import.meta.url, {
  id: 'shutdown.keepalive-closed',
  title: 'Keep-alive connections close between responses, never mid-response',
  verifies:
    'Busy keep-alive connections are closed cleanly during the drain: after a response that says Connection: close, or while idle between responses.',
  failsWhen: 'A keep-alive connection is cut in the middle of a response or reset by the exit.',
  fix: 'During the drain, answer the requests on open keep-alive connections with Connection: close and close idle ones (Node ≥ 19 does so in server.close(); closeIdleConnections() otherwise).',
  severity: 'blocking',
  proof: { faults: ['shutdown-abrupt'] },
});

export const refusesNewCheck = defineCheck(import.meta.url, {
  id: 'shutdown.refuses-new',
  title: 'After the drain, new connections are refused quickly',
  verifies:
    'New connections tried during shutdown are answered until the listener closes, then refused at once, until the target exits; none hangs or is dropped without an answer.',
  failsWhen:
    'A new connection hangs, is accepted and then dropped without a response, is accepted again after refusals began, or takes over a second to be refused.',
  fix: 'Close the listening socket when the drain starts (server.close() or your framework’s equivalent) instead of accepting connections and ignoring them.',
  severity: 'blocking',
  proof: { faults: ['shutdown-accept-hang'] },
});

export const outcome = (
  verdict: CheckOutcome['verdict'],
  message: string,
  evidence: object,
): CheckOutcome => ({
  verdict,
  message,
  evidence: evidence as CheckOutcome['evidence'],
});

/** A reset this close to the exit is taken as caused by it (the exit event arrives a little later). */
const EXIT_RESET_WINDOW_MS = 1_000;

export const since = (at: number, from: number) => Math.round(at - from);

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
  // A connection reset by the process exiting is the exit's finding (in-flight requests cut).
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
