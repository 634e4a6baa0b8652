import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import pino, { type Logger } from 'pino';
import { Server as SocketServer } from 'socket.io';
import { createAuth } from './auth.ts';
import type { AppContext } from './context.ts';
import { type Config, parseEnv } from './env.ts';
import { loadFaults } from './load-faults.ts';
import { createMetrics } from './metrics.ts';
import { errorHandler, notFound } from './problem.ts';
import { createLimiters } from './rate-limits.ts';
import { createRedis } from './redis.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { slowRoutes } from './routes/slow.ts';
import { voiceRoutes } from './routes/voice.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { cors, headerLimit, PARSE_HEADER_BYTES, requestId, securityHeaders } from './security.ts';
import { createLifecycle } from './shutdown.ts';
import { createChunkFaults } from './soak-faults.ts';
import { attachVoiceNamespace } from './socket.ts';
import { createMemorySessionStore } from './stores/sessions.ts';
import { createRedisSessionStore } from './stores/sessions-redis.ts';
import { createMemoryWebhookEventStore, createRedisWebhookEventStore } from './stores/webhook-events.ts';

export interface VoiceApi {
  /** The Express app; usable in-process (supertest) without listening or Redis. */
  app: Express;
  config: Config;
  logger: Logger;
  readiness: Readiness;
  /** Connects Redis in the background and marks the service started (readiness then follows Redis). */
  init(): void;
  start(port?: number, host?: string): Promise<{ url: string; port: number; server: HttpServer }>;
  /** The graceful sequence; resolves once everything is closed. A second call returns the same promise. */
  shutdown(signal?: string): Promise<void>;
}

export class InvalidConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export function createVoiceApi(
  env: Record<string, string | undefined>,
  options: { logger?: Logger } = {},
): VoiceApi {
  const parsed = parseEnv(env);
  if (!parsed.ok) throw new InvalidConfigError(parsed.problems);
  const { config } = parsed;
  const { faults } = config;
  const logger =
    options.logger ??
    pino({ level: config.logLevel, base: { service: 'voice-api' } }, pino.destination({ fd: 1, sync: true }));
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  const io = new SocketServer({
    cors: { origin: [...config.corsOrigins], credentials: true },
    serveClient: false,
  });
  const ctx: AppContext = {
    config,
    logger,
    auth: createAuth(config.jwtSecret),
    sessions: redis ? createRedisSessionStore(redis) : createMemorySessionStore(),
    webhookEvents: redis ? createRedisWebhookEventStore(redis) : createMemoryWebhookEventStore(),
    limiters: createLimiters(config, redis, logger),
    // Every body is read as JSON whatever its Content-Type, so a mislabelled body still meets the
    // size limit and the JSON syntax check instead of being silently ignored.
    jsonBody: express.json({
      limit: faults.has('body-limit-off') ? '50mb' : config.bodyLimit,
      type: () => true,
    }),
  };
  const chunkFaults = createChunkFaults(config);
  const voice = attachVoiceNamespace(io, ctx, chunkFaults);
  const metrics = createMetrics({
    openSockets: () => voice.sockets.size,
    activeSessions: () => ctx.sessions.countActive(),
  });
  const lifecycle = createLifecycle({
    config,
    logger,
    io,
    redis,
    chunkFaults,
    stores: [ctx.sessions, ctx.webhookEvents],
  });
  const readiness: Readiness = () => {
    if (lifecycle.draining() && !faults.has('shutdown-no-readiness'))
      return { ready: false, reason: 'shutting down' };
    if (!lifecycle.started()) return { ready: false, reason: 'starting' };
    if (redis && !redis.isReady && !faults.has('readiness-ignores-redis'))
      return { ready: false, reason: 'redis is unavailable' };
    return { ready: true };
  };

  const app = express();
  if (faults.has('headers-off')) app.enable('x-powered-by');
  else app.disable('x-powered-by');
  // A hop count, never `true`: with 0 the socket address is the client and X-Forwarded-For is ignored.
  app.set('trust proxy', faults.has('rate-limit-xff') ? true : config.trustProxyHops);
  app.use(
    requestId,
    lifecycle.connectionHeader,
    securityHeaders(faults),
    cors(config.corsOrigins, faults),
    headerLimit,
  );
  app.use(metrics.middleware);
  app.use(
    healthRoutes(readiness, metrics.registry, {
      limiter: ctx.limiters.health,
      livenessAuth: faults.has('health-auth') ? ctx.auth.requireBearer : undefined,
      // The "helpful" debug dump: the effective configuration, secrets and Redis password included.
      readinessDetails: faults.has('health-leak')
        ? { config: { ...config, faults: [...faults] } }
        : undefined,
    }),
  );
  const loadFault = loadFaults(config);
  if (loadFault) app.use('/v1', loadFault);
  app.use(webhookRoutes(ctx), sessionRoutes(ctx), voiceRoutes(ctx), slowRoutes(ctx));
  app.use(notFound);
  app.use(errorHandler(logger));

  const init = () => {
    if (lifecycle.started()) return;
    lifecycle.markStarted();
    redis?.connect().catch(() => {
      // Reconnection is automatic; readiness reports the outage meanwhile.
    });
  };

  return {
    app,
    config,
    logger,
    readiness,
    init,
    async start(port = config.port, host = config.host) {
      init();
      const server = createServer({ maxHeaderSize: PARSE_HEADER_BYTES }, app);
      io.attach(server);
      lifecycle.attach(server);
      chunkFaults.start(voice);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const actualPort = (server.address() as AddressInfo).port;
      return { url: `http://${urlHost(host)}:${actualPort}`, port: actualPort, server };
    },
    shutdown: (signal = 'shutdown') => lifecycle.shutdown(signal),
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
