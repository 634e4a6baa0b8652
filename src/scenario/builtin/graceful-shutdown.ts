import { z } from 'zod';
import type { Check } from '../../run/checks.ts';
import type { CheckOutcome, ScenarioContext, ScenarioDefinition } from '../define.ts';
import {
  exitCode,
  exitCodeCheck,
  secondSignal,
  secondSignalCheck,
  websocketClosed,
  websocketClosedCheck,
  withinDeadline,
  withinDeadlineCheck,
} from './graceful-shutdown/exit-verdicts.ts';
import {
  observeSecondSignal,
  observeShutdown,
  type SecondSignalObservation,
  type ShutdownObservation,
  type ShutdownPlan,
} from './graceful-shutdown/observe.ts';
import {
  inflightCompleted,
  inflightCompletedCheck,
  keepAliveClosed,
  keepAliveClosedCheck,
  readinessFlips,
  readinessFlipsCheck,
  refusesNew,
  refusesNewCheck,
} from './graceful-shutdown/verdicts.ts';
import { parseScenarioOptions } from './options.ts';
import { rollingRestartCheck } from './replicas/rolling-restart.ts';

export interface GracefulShutdownOptions {
  /** A request that takes a while (credentials added); started before SIGTERM, it must complete. */
  slowPath?: string;
  /** Readiness route, which must answer 503 within `readinessWithinSec` of SIGTERM. */
  readyPath?: string;
  /** Liveness route, which must stay 200 while readiness flips; null for a service with one health route. */
  livePath?: string | null;
  /**
   * Requested back to back on each keep-alive connection. Slow enough (a few hundred ms) that a
   * request is always outstanding, so an abrupt exit shows as a cut response.
   */
  keepAlivePath?: string;
  /** socket.io namespace whose clients must be disconnected; null for a target without socket.io. */
  socketNamespace?: string | null;
  /** The socket.io `auth` payload for one client, e.g. `{ token }` from the target's token route. */
  socketAuth?: (ctx: ScenarioContext) => Promise<Record<string, unknown>>;
  /** socket.io clients connected at SIGTERM. */
  socketClients?: number;
  /** How long the target has to exit after SIGTERM before it is killed (Kubernetes' default is 30). */
  graceSec?: number;
  /** Kept-alive connections requesting `keepAlivePath` back to back at SIGTERM. */
  keepAliveConnections?: number;
  /** Requests to `slowPath` in flight at SIGTERM. */
  inflightRequests?: number;
  /** Readiness must report 503 this soon after SIGTERM. */
  readinessWithinSec?: number;
  /** When the second SIGTERM (of the second-signal check) is sent, counted from the first. */
  secondSignalAfterMs?: number;
}

const path = z.string().startsWith('/', { error: 'expected a path starting with /' });
const count = (max: number) => z.int({ error: 'expected an integer ≥ 0' }).min(0).max(max);

export const optionsSchema = z.strictObject({
  slowPath: path.default('/v1/slow?ms=3000'),
  readyPath: path.default('/readyz'),
  livePath: path.nullable().default('/livez'),
  keepAlivePath: path.default('/v1/slow?ms=250'),
  socketNamespace: path.nullable().default('/voice'),
  socketAuth: z
    .custom<NonNullable<GracefulShutdownOptions['socketAuth']>>((v) => typeof v === 'function', {
      error: 'expected an async function returning the auth payload',
    })
    .optional(),
  socketClients: count(50).default(2),
  graceSec: z.number().positive().max(600).default(30),
  keepAliveConnections: count(20).default(2),
  inflightRequests: count(50).default(3),
  readinessWithinSec: z.number().positive().max(60).default(1),
  secondSignalAfterMs: count(60_000).default(200),
});

type Verdict = (obs: ShutdownObservation) => CheckOutcome;

const FIRST_CYCLE: [check: Check, verdict: Verdict][] = [
  [readinessFlipsCheck, readinessFlips],
  [inflightCompletedCheck, inflightCompleted],
  [keepAliveClosedCheck, keepAliveClosed],
  [refusesNewCheck, refusesNew],
  [websocketClosedCheck, websocketClosed],
  [exitCodeCheck, exitCode],
  [withinDeadlineCheck, withinDeadline],
];

/**
 * SIGTERM to the target while it is busy, checked the way an orchestrator experiences it (readiness,
 * in-flight work, keep-alive, new connections, sockets, exit), then a second round with a second SIGTERM.
 * The target is restarted after each round, whatever the verdicts, so later suites can run.
 */
export function gracefulShutdownScenario(options: GracefulShutdownOptions = {}): ScenarioDefinition {
  const o = parseScenarioOptions('gracefulShutdownScenario', optionsSchema, options);
  return {
    name: 'graceful-shutdown',
    async run(ctx) {
      const cannot = !ctx.stack.can.signal
        ? ctx.stack.kind === 'compose'
          ? `a compose stack has several replicas and no single target to signal; ${rollingRestartCheck.id} in the replicas scenario covers it`
          : `a ${ctx.stack.kind} stack cannot signal the target; run against --stack local`
        : !ctx.stack.can.restart
          ? `a ${ctx.stack.kind} stack cannot restart the target afterwards`
          : undefined;
      if (cannot) {
        for (const check of [...FIRST_CYCLE.map(([check]) => check), secondSignalCheck])
          await ctx.check(check, async (c) => c.skip(cannot));
        return;
      }
      const plan: ShutdownPlan = {
        slowUrl: ctx.http.url(o.slowPath),
        readyUrl: ctx.http.url(o.readyPath),
        liveUrl: o.livePath === null ? null : ctx.http.url(o.livePath),
        keepAliveUrl: ctx.http.url(o.keepAlivePath),
        socketNamespace: o.socketNamespace,
        socketAuth: o.socketAuth,
        socketClients: o.socketClients,
        keepAliveConnections: o.keepAliveConnections,
        inflightRequests: o.inflightRequests,
        graceMs: o.graceSec * 1000,
        readinessWithinMs: o.readinessWithinSec * 1000,
        secondSignalAfterMs: o.secondSignalAfterMs,
      };
      await firstCycle(ctx, plan);
      await secondCycle(ctx, plan);
    },
  };
}

async function firstCycle(ctx: ScenarioContext, plan: ShutdownPlan): Promise<void> {
  let obs: ShutdownObservation | undefined;
  try {
    obs = await observeShutdown(ctx, plan);
    // Taken before the restart replaces the process whose log explains the verdicts.
    const targetLog = ctx.stack.logTail(30);
    for (const [check, verdict] of FIRST_CYCLE) {
      await record(ctx, check, obs.notRun ? notRun(obs.notRun) : verdict(obs), targetLog);
    }
  } finally {
    if (!obs?.notRun) await ctx.stack.restart();
  }
}

async function secondCycle(ctx: ScenarioContext, plan: ShutdownPlan): Promise<void> {
  if (plan.inflightRequests === 0) {
    await ctx.check(secondSignalCheck, async (c) =>
      c.skip('no in-flight requests were configured (inflightRequests: 0)'),
    );
    return;
  }
  let obs: SecondSignalObservation | undefined;
  try {
    obs = await observeSecondSignal(ctx, plan);
    await record(ctx, secondSignalCheck, secondSignal(obs), ctx.stack.logTail(30));
  } finally {
    if (!obs?.notRun) await ctx.stack.restart();
  }
}

function notRun(reason: string): CheckOutcome {
  return { verdict: 'fail', message: `not run: ${reason}` };
}

async function record(
  ctx: ScenarioContext,
  check: Check,
  result: CheckOutcome,
  targetLog: string,
): Promise<void> {
  const evidence = result.verdict === 'fail' ? { ...result.evidence, targetLog } : result.evidence;
  await ctx.check(check, async () => ({ ...result, evidence: evidence && ctx.redactor.value(evidence) }));
}
