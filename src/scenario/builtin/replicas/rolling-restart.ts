import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck } from '../../../run/checks.ts';
import type { ExitInfo, ServiceHandle } from '../../../stack/types.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import type { RollingRestartOptions } from './options.ts';
import { seconds, type Topology, waitAllReady } from './topology.ts';
import { type LoadReport, liveSessions, type SessionWatch, sessionsBack, steadyLoad } from './traffic.ts';

const KILL_WAIT_MS = 10_000;
/** Load before the first restart and after the last, so both edges are covered. */
const EDGE_MS = 1_000;

interface Step {
  replica: string;
  exit: ExitInfo | null;
  exitAfterMs: number | null;
  /** Shakedown had to SIGKILL it after the grace period. */
  killed: boolean;
  readyAfterMs: number | null;
  startError?: string;
}

export const rollingRestartCheck = defineCheck(import.meta.url, {
  id: 'shutdown.rolling-restart',
  title: 'Restarting the replicas one by one under load loses no request and no session',
  verifies:
    'Under steady HTTP load and live socket.io sessions through the load balancer, each replica in turn gets SIGTERM, exits, is started again and becomes ready, as a rolling deploy does, and clients notice nothing: no 5xx, no connection error, every cut session back within reconnectWithinSec.',
  failsWhen:
    'Clients see 5xx or connection errors during the restarts, a session does not come back in time, or a replica does not exit within the grace period or become ready again.',
  fix: 'Shut down gracefully (readiness 503 first, drain, close sockets, exit) and make the load balancer route only to ready replicas; the graceful-shutdown scenario checks each step on one instance.',
  severity: 'blocking',
  proof: { faults: ['shutdown-abrupt'] },
});

/**
 * Under steady keep-alive HTTP load and live socket.io sessions through the
 * load balancer, each replica in turn gets SIGTERM, is waited for, started again and waited for until
 * ready, as a rolling deploy does. Clients must not notice: no 5xx, no connection errors, and every
 * cut session back within the bound. Replicas are always running again when the check ends.
 */
export async function rollingRestart(
  ctx: ScenarioContext,
  c: CheckContext,
  topology: Topology,
  o: RollingRestartOptions,
  readyPath: string,
): Promise<CheckOutcome> {
  const { replicas } = topology;
  const notReady = await waitAllReady(ctx, replicas, readyPath, o.readyWithinSec * 1000);
  if (notReady.length > 0) return c.fail(`not run: ${notReady.join(', ')} not ready before the restarts`);

  const sessions = o.socketNamespace
    ? await liveSessions(ctx, o.socketNamespace, o.socketClients, o.socketAuth)
    : [];
  const load = steadyLoad(ctx, o.loadPath, o.connections);
  const steps: Step[] = [];
  let report: LoadReport;
  try {
    await sleep(EDGE_MS);
    for (const replica of replicas) {
      if (ctx.signal.aborted) break;
      steps.push(await restartOne(replica, o));
      await sleep(o.settleSec * 1000);
    }
    await sleep(EDGE_MS);
  } finally {
    report = await load.stop();
    // Whatever happened, the stack is whole again for the suites that follow.
    for (const replica of replicas) if (!(await replica.running())) await replica.start().catch(() => {});
  }
  await sessionsBack(sessions, o.reconnectWithinSec * 1000);
  return verdict(c, { steps, report, sessions, o });
}

async function restartOne(replica: ServiceHandle, o: RollingRestartOptions): Promise<Step> {
  const step: Step = {
    replica: replica.name,
    exit: null,
    exitAfterMs: null,
    killed: false,
    readyAfterMs: null,
  };
  const signalledAt = performance.now();
  await replica.signal('SIGTERM');
  step.exit = await replica.waitForExit(o.graceSec * 1000);
  if (!step.exit) {
    step.killed = true;
    await replica.signal('SIGKILL').catch(() => {});
    step.exit = await replica.waitForExit(KILL_WAIT_MS);
  }
  step.exitAfterMs = Math.round(performance.now() - signalledAt);
  const startedAt = performance.now();
  try {
    await replica.start();
    step.readyAfterMs = Math.round(performance.now() - startedAt);
  } catch (error) {
    step.startError = (error as Error).message;
  }
  return step;
}

interface Observation {
  steps: Step[];
  report: LoadReport;
  sessions: SessionWatch[];
  o: RollingRestartOptions;
}

function verdict(c: CheckContext, { steps, report, sessions, o }: Observation): CheckOutcome {
  const problems: string[] = [];
  for (const step of steps) {
    if (step.killed)
      problems.push(`${step.replica} did not exit within ${o.graceSec} s of SIGTERM and was killed`);
    else if (step.exit && step.exit.shellCode !== 0 && step.exit.shellCode !== 143)
      problems.push(`${step.replica} exited with ${step.exit.shellCode} after SIGTERM`);
    if (step.startError) problems.push(`${step.replica} did not come back: ${step.startError}`);
    else if (step.readyAfterMs !== null && step.readyAfterMs > o.readyWithinSec * 1000)
      problems.push(
        `${step.replica} took ${seconds(step.readyAfterMs)} to be ready again (bound ${o.readyWithinSec} s)`,
      );
  }
  if (report.requests === 0) problems.push('no request of the steady load completed: the load did not run');
  if (report.serverErrors > 0)
    problems.push(`${report.serverErrors} of ${report.requests} requests answered 5xx`);
  if (report.networkErrors > 0)
    problems.push(
      `${report.networkErrors} of ${report.requests} requests failed at the connection (${networkCodes(report)})`,
    );
  const failedToConnect = sessions.filter((s) => s.connectError);
  if (failedToConnect.length > 0)
    problems.push(
      `${failedToConnect.length} socket.io session(s) never connected (${failedToConnect[0].connectError})`,
    );
  const drops = sessions.flatMap((s) => s.drops);
  const late = drops.filter((d) => d.reconnectMs === null || d.reconnectMs > o.reconnectWithinSec * 1000);
  if (late.length > 0)
    problems.push(
      `${late.length} of ${drops.length} cut socket.io session(s) were not back within ${o.reconnectWithinSec} s${reconnectErrors(sessions)}`,
    );

  const slowest = Math.max(0, ...drops.map((d) => d.reconnectMs ?? 0));
  const evidence = {
    restarts: steps,
    load: {
      path: o.loadPath,
      connections: o.connections,
      requests: report.requests,
      byStatus: report.byStatus,
    },
    sessions: sessions.map((s) => ({
      connectError: s.connectError,
      drops: s.drops,
      reconnectErrors: s.reconnectErrors,
    })),
  };
  const firstFailure = report.failures[0];
  const withExchange = () => (firstFailure ? c.evidence(firstFailure, evidence) : evidence);
  if (problems.length > 0)
    return c.fail(`clients noticed the rolling restart: ${problems.join('; ')}`, withExchange());
  const restarts = steps
    .map(
      (s) =>
        `${s.replica} exited ${s.exit?.shellCode} ${seconds(s.exitAfterMs ?? 0)} after SIGTERM, ready ${seconds(s.readyAfterMs ?? 0)} after start`,
    )
    .join('; ');
  return c.pass(
    `restarted ${steps.length} replicas one after the other (${restarts}) under ${o.connections} keep-alive connections: ${report.requests} requests, no 5xx, no connection errors; ${sessions.length} socket.io session(s), ${drops.length} cut and all back within ${seconds(slowest)} (bound ${o.reconnectWithinSec} s)`,
    evidence,
  );
}

function networkCodes(report: LoadReport): string {
  return Object.entries(report.byStatus)
    .filter(([key]) => !/^\d+$/.test(key))
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ');
}

function reconnectErrors(sessions: readonly SessionWatch[]): string {
  const errors = [...new Set(sessions.flatMap((s) => s.reconnectErrors))];
  return errors.length > 0 ? ` (reconnect errors: ${errors.slice(0, 3).join(', ')})` : '';
}
