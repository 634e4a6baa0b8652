import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck } from '../../../run/checks.ts';
import type { ServiceHandle } from '../../../stack/types.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import type { ReadinessOptions } from './options.ts';
import { seconds, statusOf, type Topology, waitAllReady } from './topology.ts';

const POLL_MS = 200;

interface Watch {
  replica: ServiceHandle;
  /** ms after the dependency stopped at which the ready path first answered 503. */
  notReadyAfterMs: number | null;
  /** Last ready-path status seen during the outage. */
  lastReadyStatus: number | null;
  /** ms after the dependency was back at which the ready path answered 200 again. */
  readyAgainAfterMs: number | null;
  /** Liveness answers other than 200 during the outage: a restart would not fix a dependency. */
  liveFailures: (number | null)[];
  liveProbes: number;
}

export const readyTracksDependenciesCheck = defineCheck(import.meta.url, {
  id: 'health.ready-tracks-dependencies',
  title: 'Readiness reports a lost dependency on every replica and recovers with it, liveness stays up',
  verifies:
    'With the dependency stopped (replicasScenario dependency, e.g. Redis), every replica’s readiness answers 503 within readiness.withinSec while liveness stays 200; with it back, every replica is ready again within recoverWithinSec, on its own.',
  failsWhen:
    'Readiness keeps answering 200 during the outage (traffic goes to replicas that cannot serve it), liveness fails (an orchestrator would restart them for nothing), or a replica does not recover.',
  fix: 'Make readiness check the dependencies the service cannot work without (a Redis PING, a database query with a short timeout), and keep liveness about the process only.',
  severity: 'blocking',
  proof: { faults: ['readiness-ignores-redis'] },
});

/**
 * Stop the dependency (Redis): every replica's readiness must turn
 * 503 within the bound, so a load balancer takes them out, while liveness stays 200, so an orchestrator
 * does not restart them for nothing; start it again: every replica must be ready again on its own.
 * The dependency is always started again, whatever the verdict.
 */
export async function readyTracksDependencies(
  ctx: ScenarioContext,
  c: CheckContext,
  topology: Topology,
  o: ReadinessOptions,
  paths: { readyPath: string; livePath: string },
): Promise<CheckOutcome> {
  const { replicas, dependency } = topology;
  if (!dependency)
    return c.skip('the stack has no dependency service to stop (a service with role dependency)');
  const notReady = await waitAllReady(ctx, replicas, paths.readyPath, o.recoverWithinSec * 1000);
  if (notReady.length > 0)
    return c.fail(`not run: ${notReady.join(', ')} not ready before ${dependency.name} was stopped`);

  const watches: Watch[] = replicas.map((replica) => ({
    replica,
    notReadyAfterMs: null,
    lastReadyStatus: null,
    readyAgainAfterMs: null,
    liveFailures: [],
    liveProbes: 0,
  }));
  await dependency.stop();
  try {
    const stoppedAt = performance.now();
    await pollUntil(ctx, o.withinSec * 1000, async () => {
      await Promise.all(watches.map((w) => probeOutage(ctx, w, paths, stoppedAt)));
      return watches.every((w) => w.notReadyAfterMs !== null);
    });
  } finally {
    await dependency.start();
  }
  const startedAt = performance.now();
  await pollUntil(ctx, o.recoverWithinSec * 1000, async () => {
    await Promise.all(
      watches
        .filter((w) => w.readyAgainAfterMs === null)
        .map(async (w) => {
          if ((await statusOf(ctx, `${w.replica.url}${paths.readyPath}`)) === 200)
            w.readyAgainAfterMs = Math.round(performance.now() - startedAt);
        }),
    );
    return watches.every((w) => w.readyAgainAfterMs !== null);
  });
  return verdict(c, dependency.name, watches, o);
}

async function probeOutage(
  ctx: ScenarioContext,
  w: Watch,
  paths: { readyPath: string; livePath: string },
  stoppedAt: number,
): Promise<void> {
  const [ready, live] = await Promise.all([
    statusOf(ctx, `${w.replica.url}${paths.readyPath}`),
    statusOf(ctx, `${w.replica.url}${paths.livePath}`),
  ]);
  w.lastReadyStatus = ready;
  w.liveProbes++;
  if (live !== 200) w.liveFailures.push(live);
  if (ready === 503 && w.notReadyAfterMs === null)
    w.notReadyAfterMs = Math.round(performance.now() - stoppedAt);
}

/** Calls `probe` every POLL_MS until it returns true or `withinMs` passes (one last call at the end). */
async function pollUntil(
  ctx: ScenarioContext,
  withinMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!(await probe()) && performance.now() < deadline && !ctx.signal.aborted) await sleep(POLL_MS);
}

function verdict(c: CheckContext, dependency: string, watches: Watch[], o: ReadinessOptions): CheckOutcome {
  const evidence = {
    dependency,
    replicas: watches.map((w) => ({
      replica: w.replica.name,
      notReadyAfterMs: w.notReadyAfterMs,
      lastReadyStatusDuringOutage: w.lastReadyStatus,
      readyAgainAfterMs: w.readyAgainAfterMs,
      liveProbes: w.liveProbes,
      liveFailures: w.liveFailures,
    })),
    withinSec: o.withinSec,
    recoverWithinSec: o.recoverWithinSec,
  };
  const problems: string[] = [];
  const stayedReady = watches.filter((w) => w.notReadyAfterMs === null);
  if (stayedReady.length > 0) {
    problems.push(
      `with ${dependency} stopped for ${o.withinSec} s, readiness still answered ${stayedReady.map((w) => `${w.lastReadyStatus ?? 'nothing'} on ${w.replica.name}`).join(', ')} instead of 503: a load balancer keeps sending them traffic they cannot serve`,
    );
  }
  for (const w of watches.filter((x) => x.liveFailures.length > 0)) {
    problems.push(
      `liveness on ${w.replica.name} answered ${w.liveFailures.slice(0, 3).join(', ')} during the outage (${w.liveFailures.length} of ${w.liveProbes} probes): an orchestrator would restart a replica that is not broken`,
    );
  }
  const stuck = watches.filter((w) => w.readyAgainAfterMs === null);
  if (stuck.length > 0) {
    problems.push(
      `${stuck.map((w) => w.replica.name).join(', ')} not ready again within ${o.recoverWithinSec} s of ${dependency} coming back`,
    );
  }
  if (problems.length > 0) return c.fail(problems.join('; '), evidence);
  const flips = watches.map((w) => `${w.replica.name} after ${seconds(w.notReadyAfterMs ?? 0)}`).join(', ');
  const back = Math.max(...watches.map((w) => w.readyAgainAfterMs ?? 0));
  return c.pass(
    `with ${dependency} stopped, readiness answered 503 on ${flips} (bound ${o.withinSec} s) while liveness stayed 200; with it back, every replica was ready again within ${seconds(back)} (bound ${o.recoverWithinSec} s)`,
    evidence,
  );
}
