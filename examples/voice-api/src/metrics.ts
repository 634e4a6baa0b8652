import type { Request, RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  openSockets(): number;
  activeSessions(): Promise<number>;
}

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
}

// Route templates, not raw paths, keep label cardinality bounded whatever URLs clients send.
function routeLabel(req: Request): string {
  return req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
}

export function createMetrics(sources: MetricsSources): Metrics {
  // A registry per app, so several instances in one test process do not collide.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'voice_api_http_requests_total',
    help: 'HTTP requests handled, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'voice_api_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'voice_api_open_sockets',
    help: 'Connected socket.io clients in the /voice namespace',
    registers: [registry],
    collect() {
      this.set(sources.openSockets());
    },
  });
  new Gauge({
    name: 'voice_api_active_sessions',
    help: 'Voice sessions that are active (not ended, not expired)',
    registers: [registry],
    async collect() {
      // A scrape while Redis is down keeps the last value rather than failing the whole scrape.
      const count = await sources.activeSessions().catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeLabel(req);
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  return { registry, middleware };
}
