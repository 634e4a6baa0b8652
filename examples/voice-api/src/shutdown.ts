import type { Server as HttpServer, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import type { Config } from './env.ts';
import type { Redis } from './redis.ts';
import type { ChunkFaults } from './soak-faults.ts';

interface LifecycleDeps {
  config: Config;
  logger: Logger;
  io: SocketServer;
  redis: Redis | undefined;
  chunkFaults: ChunkFaults;
  stores: { close(): void }[];
}

export interface Lifecycle {
  started(): boolean;
  draining(): boolean;
  markStarted(): void;
  attach(server: HttpServer): void;
  /** Marks responses `Connection: close` once draining, so keep-alive clients reconnect elsewhere. */
  connectionHeader: RequestHandler;
  shutdown(signal: string): Promise<void>;
}

/**
 * The graceful sequence: readiness 503 at once; keep serving for SHUTDOWN_DRAIN_MS while the load
 * balancer notices; stop accepting; let in-flight requests finish; close socket.io transports (clients
 * see `transport close` and reconnect elsewhere); close Redis.
 */
export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { config, logger, io, redis } = deps;
  const inFlight = new Set<ServerResponse>();
  let server: HttpServer | undefined;
  let isStarted = false;
  let shutdownPromise: Promise<void> | undefined;
  // shutdown-accept-hang: set after the drain, when new requests are ignored instead of refused.
  let ignoreNew = false;
  let onNoneInFlight: (() => void) | undefined;

  const connectionHeader: RequestHandler = (_req, res, next) => {
    if (shutdownPromise) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) onNoneInFlight?.();
    });
    if (!ignoreNew) next();
  };

  async function run(signal: string): Promise<void> {
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutdown started; readiness is now 503');
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    await sleep(config.shutdownDrainMs);
    // Said only once it is true: a client that reads this line may connect at once, and a process
    // paused between saying it and closing the listener would let that connection in.
    const drainOver = () =>
      logger.info({ inFlight: inFlight.size }, 'drain over; no longer accepting connections');
    if (!server) {
      drainOver();
      return closeBackends();
    }
    if (config.faults.has('shutdown-accept-hang')) {
      // The bug: "stop accepting" is a flag that leaves new requests unanswered while the listener
      // stays open, and the wait for open requests counts those too: each hangs until its client gives up.
      ignoreNew = true;
      drainOver();
      await new Promise<void>((resolve) => {
        onNoneInFlight = resolve;
        if (inFlight.size === 0) resolve();
      });
    }
    const httpServer = server;
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    if (!ignoreNew) drainOver();
    // Keep-alive connections that become idle after their last response are closed as they appear.
    const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 50);
    httpServer.closeIdleConnections();
    if (config.faults.has('shutdown-hang')) {
      // The bug: it waits for voice clients to hang up by themselves, and they never do.
      logger.info('waiting for clients to disconnect');
      return new Promise<void>(() => {});
    }
    await io.close();
    await closed;
    clearInterval(idleSweep);
    await closeBackends();
    logger.info('shutdown complete');
  }

  async function closeBackends(): Promise<void> {
    deps.chunkFaults.stop();
    for (const store of deps.stores) store.close();
    if (!redis?.isOpen) return;
    // A clean QUIT needs a live connection; while Redis is down, just drop the reconnect loop.
    if (redis.isReady) await redis.close().catch(() => redis.destroy());
    else redis.destroy();
  }

  return {
    started: () => isStarted,
    draining: () => shutdownPromise !== undefined,
    markStarted() {
      isStarted = true;
    },
    attach(httpServer) {
      server = httpServer;
    },
    connectionHeader,
    shutdown(signal) {
      if (shutdownPromise) {
        logger.warn({ signal }, 'already shutting down; signal ignored, the drain continues');
        return shutdownPromise;
      }
      shutdownPromise = run(signal);
      return shutdownPromise;
    },
  };
}

/** Process-level handling: exit 0 after a graceful shutdown, non-zero if the hard deadline passes. */
export function installSignalHandlers(
  api: { config: Config; logger: Logger; shutdown(signal: string): Promise<void> },
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const { config, logger } = api;
  let deadlineArmed = false;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (config.faults.has('shutdown-abrupt')) {
      logger.info({ signal }, 'exiting now');
      return exit(0);
    }
    if (signalled && config.faults.has('shutdown-second-signal-exit')) {
      // The bug: "press Ctrl-C again to force quit", also for the orchestrator's repeated SIGTERM.
      logger.warn({ signal }, 'second signal; forcing exit');
      return exit(1);
    }
    signalled = true;
    if (!deadlineArmed && !config.faults.has('shutdown-hang')) {
      deadlineArmed = true;
      setTimeout(() => {
        logger.fatal({ deadlineMs: config.shutdownDeadlineMs }, 'shutdown deadline exceeded; forcing exit');
        exit(1);
      }, config.shutdownDeadlineMs).unref();
    }
    api.shutdown(signal).then(
      () => exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
