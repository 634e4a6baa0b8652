import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitInfo } from '../../../stack/types.ts';
import type { ScenarioContext } from '../../define.ts';
import { connectSocket } from '../../socket.ts';
import { type KeepAliveReport, openKeepAlive } from './keep-alive.ts';
import { type Attempt, rawRequest } from './raw-http.ts';

/** The resolved settings a shutdown observation runs with (see gracefulShutdownScenario). */
export interface ShutdownPlan {
  slowUrl: string;
  readyUrl: string;
  /** Null for a service with a single health route: liveness is then not polled. */
  liveUrl: string | null;
  keepAliveUrl: string;
  socketNamespace: string | null;
  socketAuth?: (ctx: ScenarioContext) => Promise<Record<string, unknown>>;
  socketClients: number;
  keepAliveConnections: number;
  inflightRequests: number;
  graceMs: number;
  readinessWithinMs: number;
  secondSignalAfterMs: number;
}

export interface ExitObservation {
  /** How the target ended; null if it survived even SIGKILL. */
  info: ExitInfo | null;
  /** performance.now() when the exit was seen. */
  at: number | null;
  /** performance.now() when Shakedown gave up waiting and sent SIGKILL, else null. */
  killedAt: number | null;
}

export interface SocketObservation {
  connectError?: string;
  reason?: string;
  /** performance.now() of the disconnect. */
  at?: number;
}

export interface ReadinessTick {
  ready: Attempt;
  /** Null when no liveness route is configured. */
  live: Attempt | null;
}

export interface ShutdownObservation {
  /** Why the sequence did not run (the target was not ready to begin with); nothing else is set then. */
  notRun?: string;
  signalledAt: number;
  graceMs: number;
  readinessWithinMs: number;
  readiness: ReadinessTick[];
  inflight: Attempt[];
  keepAlive: KeepAliveReport[];
  newConnections: Attempt[];
  sockets: SocketObservation[];
  exit: ExitObservation;
}

export interface SecondSignalObservation {
  notRun?: string;
  signalledAt: number;
  /** performance.now() of the second SIGTERM; null when the target was gone before it. */
  secondAt: number | null;
  inflight: Attempt[];
  exit: ExitObservation;
}

const SETUP_TIMEOUT_MS = 10_000;
/** Lets the server read the in-flight requests before the signal, so they really are in flight. */
const IN_FLIGHT_SETTLE_MS = 150;
const PROBE_INTERVAL_MS = 100;
const READINESS_INTERVAL_MS = 50;
const PROBE_TIMEOUT_MS = 2_000;
/** Consecutive refusals after which "refuses new connections" is established. */
const REFUSALS_ENOUGH = 10;
const KILL_WAIT_MS = 5_000;
/** Time for close events already on the wire when the process exited to be delivered. */
const SETTLE_AFTER_EXIT_MS = 1_000;

/**
 * Cycle one: keep-alive connections busy, slow requests in flight and socket.io clients connected,
 * then SIGTERM, watching readiness, new connections, every client and the exit. Bounded by graceMs
 * (after which the target is killed) plus a few seconds of setup.
 */
export async function observeShutdown(
  ctx: ScenarioContext,
  plan: ShutdownPlan,
): Promise<ShutdownObservation> {
  const empty = emptyObservation(plan);
  const notReady = await preflight(plan.readyUrl);
  if (notReady) return { ...empty, notRun: notReady };
  const authHeaders = await ctx.target.auth.headers();
  const sockets = await connectSockets(ctx, plan);
  const keepAlive = Array.from({ length: plan.keepAliveConnections }, () =>
    openKeepAlive({ url: plan.keepAliveUrl, headers: authHeaders, maxRequests: 10_000 }),
  );
  await bounded(Promise.all(keepAlive.map((k) => k.ready)), SETUP_TIMEOUT_MS, []);
  const inflight = await startInflight(plan, authHeaders);

  await ctx.log(
    `graceful-shutdown: SIGTERM sent; waiting up to ${plan.graceMs / 1000} s (graceSec) for the target to drain and exit`,
  );
  const signalledAt = performance.now();
  await ctx.stack.signal('SIGTERM');
  const exitPromise = awaitExit(ctx, plan.graceMs);
  const [readiness, newConnections, exit] = await Promise.all([
    pollReadiness(plan, signalledAt, ctx.signal),
    probeNewConnections(plan.liveUrl ?? plan.readyUrl, exitPromise, signalledAt + plan.graceMs, ctx.signal),
    exitPromise,
  ]);
  const reports = await settleThenStop(keepAlive);
  await waitFor(() => sockets.every((s) => s.connectError || s.reason), SETTLE_AFTER_EXIT_MS);
  return {
    ...empty,
    signalledAt,
    readiness,
    inflight: await Promise.all(inflight),
    keepAlive: reports,
    newConnections,
    sockets,
    exit,
  };
}

/** Cycle two: slow requests in flight, SIGTERM, and a second SIGTERM while the drain is under way. */
export async function observeSecondSignal(
  ctx: ScenarioContext,
  plan: ShutdownPlan,
): Promise<SecondSignalObservation> {
  const exitNone: ExitObservation = { info: null, at: null, killedAt: null };
  const notReady = await preflight(plan.readyUrl);
  if (notReady) return { notRun: notReady, signalledAt: 0, secondAt: null, inflight: [], exit: exitNone };
  const inflight = await startInflight(plan, await ctx.target.auth.headers());
  await ctx.log(
    `graceful-shutdown: SIGTERM, then a second one after ${plan.secondSignalAfterMs} ms; waiting up to ${plan.graceMs / 1000} s for the exit`,
  );
  const signalledAt = performance.now();
  await ctx.stack.signal('SIGTERM');
  let exited = false;
  const exitPromise = awaitExit(ctx, plan.graceMs).then((exit) => {
    exited = true;
    return exit;
  });
  await sleep(plan.secondSignalAfterMs);
  let secondAt: number | null = null;
  if (!exited) {
    secondAt = performance.now();
    await ctx.stack.signal('SIGTERM');
  }
  return { signalledAt, secondAt, inflight: await Promise.all(inflight), exit: await exitPromise };
}

function emptyObservation(plan: ShutdownPlan): ShutdownObservation {
  return {
    signalledAt: 0,
    graceMs: plan.graceMs,
    readinessWithinMs: plan.readinessWithinMs,
    readiness: [],
    inflight: [],
    keepAlive: [],
    newConnections: [],
    sockets: [],
    exit: { info: null, at: null, killedAt: null },
  };
}

/** Why the target cannot be shut down meaningfully right now, or undefined when it is ready. */
async function preflight(readyUrl: string): Promise<string | undefined> {
  const attempt = await rawRequest({ url: readyUrl, timeoutMs: 5_000 });
  if (attempt.outcome === 'answered' && attempt.status! >= 200 && attempt.status! < 300) return undefined;
  const got = attempt.outcome === 'answered' ? `answered ${attempt.status}` : `failed (${attempt.code})`;
  return `the target was not ready before SIGTERM: ${readyUrl} ${got}`;
}

/** Starts the slow requests and resolves once the server has had them for a moment. */
async function startInflight(
  plan: ShutdownPlan,
  headers: Record<string, string>,
): Promise<Promise<Attempt>[]> {
  const sent: Promise<void>[] = [];
  const attempts = Array.from({ length: plan.inflightRequests }, () => {
    let markSent: () => void = () => {};
    sent.push(
      new Promise<void>((resolve) => {
        markSent = resolve;
      }),
    );
    const attempt = rawRequest({
      url: plan.slowUrl,
      headers,
      timeoutMs: plan.graceMs + KILL_WAIT_MS,
      onSent: markSent,
    });
    // A request that fails before it is even sent must not hold up the sequence.
    void attempt.then(markSent);
    return attempt;
  });
  await bounded(Promise.all(sent), SETUP_TIMEOUT_MS, []);
  await sleep(IN_FLIGHT_SETTLE_MS);
  return attempts;
}

async function connectSockets(ctx: ScenarioContext, plan: ShutdownPlan): Promise<SocketObservation[]> {
  const namespace = plan.socketNamespace;
  if (!namespace) return [];
  return Promise.all(
    Array.from({ length: plan.socketClients }, async () => {
      const watch: SocketObservation = {};
      try {
        const auth = plan.socketAuth ? await plan.socketAuth(ctx) : undefined;
        const socket = ctx.socket(namespace, auth ? { auth } : {});
        socket.on('disconnect', (reason) => {
          watch.reason = reason;
          watch.at = performance.now();
        });
        await connectSocket(socket, SETUP_TIMEOUT_MS);
      } catch (error) {
        watch.connectError = (error as Error).message;
      }
      return watch;
    }),
  );
}

/** Waits for the exit; past the grace period the target is killed, as an orchestrator would. */
async function awaitExit(ctx: ScenarioContext, graceMs: number): Promise<ExitObservation> {
  const info = await ctx.stack.waitForExit(graceMs);
  if (info) return { info, at: performance.now(), killedAt: null };
  const killedAt = performance.now();
  await ctx.stack.signal('SIGKILL');
  const killed = await ctx.stack.waitForExit(KILL_WAIT_MS);
  return { info: killed, at: killed ? performance.now() : null, killedAt };
}

/** Readiness and liveness side by side until readiness fails, for at most readinessWithinMs. */
async function pollReadiness(
  plan: ShutdownPlan,
  signalledAt: number,
  abort: AbortSignal,
): Promise<ReadinessTick[]> {
  const ticks: ReadinessTick[] = [];
  while (performance.now() - signalledAt <= plan.readinessWithinMs && !abort.aborted) {
    const [ready, live] = await Promise.all([
      rawRequest({ url: plan.readyUrl, timeoutMs: PROBE_TIMEOUT_MS }),
      plan.liveUrl ? rawRequest({ url: plan.liveUrl, timeoutMs: PROBE_TIMEOUT_MS }) : null,
    ]);
    ticks.push({ ready, live });
    if (ready.outcome !== 'answered' || ready.status! >= 400) break;
    await sleep(READINESS_INTERVAL_MS);
  }
  return ticks;
}

/** Fresh connections, one at a time, until the target exits or has refused enough of them. */
async function probeNewConnections(
  url: string,
  exit: Promise<unknown>,
  deadline: number,
  abort: AbortSignal,
): Promise<Attempt[]> {
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const attempts: Attempt[] = [];
  let refusedInRow = 0;
  while (!exited && !abort.aborted && performance.now() < deadline && refusedInRow < REFUSALS_ENOUGH) {
    const attempt = await rawRequest({ url, timeoutMs: PROBE_TIMEOUT_MS });
    // An attempt the exit overlapped says something about the exit, not about the drain.
    if (exited) break;
    attempts.push(attempt);
    refusedInRow = attempt.outcome === 'refused' ? refusedInRow + 1 : 0;
    await sleep(PROBE_INTERVAL_MS);
  }
  return attempts;
}

async function settleThenStop(connections: ReturnType<typeof openKeepAlive>[]): Promise<KeepAliveReport[]> {
  const all = Promise.all(connections.map((c) => c.done));
  await bounded(all, SETTLE_AFTER_EXIT_MS, []);
  for (const connection of connections) connection.stop();
  return all;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await sleep(20);
}

function bounded<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
