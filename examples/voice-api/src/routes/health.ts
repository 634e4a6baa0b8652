import { type RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import { methodNotAllowed, sendProblem } from '../problem.ts';

export type Readiness = () => { ready: true } | { ready: false; reason: string };

/** Probes and metrics: no auth, and no rate limit unless the `rate-limit-health` fault adds one. */
export function healthRoutes(
  readiness: Readiness,
  registry: Registry,
  limiter: RequestHandler | undefined,
): Router {
  const router = Router();
  const limited = limiter ? [limiter] : [];
  router
    .route('/livez')
    .get(...limited, (_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/readyz')
    .get(...limited, (_req, res) => {
      const state = readiness();
      if (state.ready) res.json({ status: 'ready' });
      else sendProblem(res, 503, state.reason);
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
