import { type RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import { methodNotAllowed, sendProblem } from '../problem.ts';

export type Readiness = () => { ready: true } | { ready: false; reason: string };

export interface HealthOptions {
  /** Only with the `rate-limit-health` fault: probes are counted and limited. */
  limiter?: RequestHandler;
  /** Only with the `health-auth` fault: the liveness probe wants a bearer token. */
  livenessAuth?: RequestHandler;
  /** Only with the `health-leak` fault: extra members in every readiness answer. */
  readinessDetails?: Record<string, unknown>;
}

/** Probes and metrics: no auth, no rate limit and nothing but the status, unless a fault adds it. */
export function healthRoutes(readiness: Readiness, registry: Registry, options: HealthOptions = {}): Router {
  const router = Router();
  const limited = options.limiter ? [options.limiter] : [];
  const guarded = options.livenessAuth ? [options.livenessAuth] : [];
  const details = options.readinessDetails;
  router
    .route('/livez')
    .get(...limited, ...guarded, (_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/readyz')
    .get(...limited, (_req, res) => {
      const state = readiness();
      if (state.ready) res.json({ status: 'ready', ...details });
      else sendProblem(res, 503, state.reason, details);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/metrics')
    .get(async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
