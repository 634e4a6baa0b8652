import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import type { HttpExchange } from '../../../http/client.ts';
import type { ScenarioContext } from '../../define.ts';
import { connectSocket } from '../../socket.ts';

const SAMPLES_KEPT = 10;
/** Per request: far above any slow-route delay, so a hang shows as a timeout rather than a stall. */
const REQUEST_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface LoadReport {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** Resets, refusals, timeouts: failures with no HTTP answer at all. */
  networkErrors: number;
  /** The first few of either, for evidence. */
  failures: HttpExchange[];
}

/**
 * Keep-alive connections through the load balancer, each requesting `path` back to back from its own
 * source address, until stopped. Bounded by `maxRequests` per connection whatever happens.
 */
export function steadyLoad(ctx: ScenarioContext, path: string, connections: number, maxRequests = 100_000) {
  const report: LoadReport = { requests: 0, byStatus: {}, serverErrors: 0, networkErrors: 0, failures: [] };
  let stopped = false;
  const loops = Array.from({ length: connections }, async () => {
    const localAddress = ctx.addresses.next();
    for (let i = 0; i < maxRequests && !stopped && !ctx.signal.aborted; i++) {
      const exchange = await ctx.http.request({ path, localAddress, timeoutMs: REQUEST_TIMEOUT_MS });
      report.requests++;
      const status = exchange.response?.status;
      const key = status === undefined ? (exchange.error?.code ?? 'error') : String(status);
      report.byStatus[key] = (report.byStatus[key] ?? 0) + 1;
      if (status === undefined) report.networkErrors++;
      else if (status >= 500) report.serverErrors++;
      if ((status === undefined || status >= 500) && report.failures.length < SAMPLES_KEPT)
        report.failures.push(exchange);
    }
  });
  return {
    report,
    async stop(): Promise<LoadReport> {
      stopped = true;
      await Promise.all(loops);
      return report;
    },
  };
}

export interface SessionWatch {
  connectError?: string;
  /** Disconnects the server caused, each with how long the session took to come back (null: never). */
  drops: { reason: string; reconnectMs: number | null }[];
  /** Errors while reconnecting (e.g. the session refused on another replica). */
  reconnectErrors: string[];
  connected: boolean;
}

/**
 * socket.io sessions through the load balancer that reconnect by themselves, as a real client does:
 * each cut is timed until the session is connected again.
 */
export async function liveSessions(
  ctx: ScenarioContext,
  namespace: string,
  clients: number,
  auth: ((ctx: ScenarioContext) => Promise<Record<string, unknown>>) | undefined,
): Promise<SessionWatch[]> {
  return Promise.all(
    Array.from({ length: clients }, async () => {
      const watch: SessionWatch = { drops: [], reconnectErrors: [], connected: false };
      let droppedAt: number | null = null;
      try {
        const payload = auth ? await auth(ctx) : undefined;
        const socket: Socket = ctx.socket(namespace, {
          ...(payload ? { auth: payload } : {}),
          reconnection: true,
          reconnectionDelay: 200,
          reconnectionDelayMax: 1_000,
          reconnectionAttempts: 100,
          timeout: 5_000,
        });
        socket.on('connect', () => {
          watch.connected = true;
          if (droppedAt !== null) {
            const drop = watch.drops.at(-1);
            if (drop) drop.reconnectMs = Math.round(performance.now() - droppedAt);
            droppedAt = null;
          }
        });
        socket.on('disconnect', (reason) => {
          watch.connected = false;
          // Our own disconnect at the end is not a drop.
          if (reason === 'io client disconnect') return;
          droppedAt = performance.now();
          watch.drops.push({ reason, reconnectMs: null });
        });
        socket.on('connect_error', (error) => {
          if (droppedAt !== null && watch.reconnectErrors.length < SAMPLES_KEPT)
            watch.reconnectErrors.push(error.message);
        });
        await connectSocket(socket, CONNECT_TIMEOUT_MS);
      } catch (error) {
        watch.connectError = (error as Error).message;
      }
      return watch;
    }),
  );
}

/** Waits until every session that connected once is connected again, for at most `withinMs`. */
export async function sessionsBack(watches: readonly SessionWatch[], withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline && watches.some((w) => !w.connectError && !w.connected))
    await sleep(50);
}
