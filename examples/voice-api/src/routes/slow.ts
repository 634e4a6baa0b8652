import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { methodNotAllowed } from '../problem.ts';
import { parseOr400 } from '../validate.ts';

export const MAX_SLOW_MS = 30_000;
const slowQuery = z.object({ ms: z.coerce.number().int().min(0).max(MAX_SLOW_MS).default(1000) });

/** Holds a request open: the in-flight request that graceful-shutdown checks watch complete. */
export function slowRoutes(ctx: AppContext): Router {
  const router = Router();
  router
    .route('/v1/slow')
    .get(ctx.auth.requireBearer, async (req, res) => {
      const { ms } = parseOr400(slowQuery, req.query, 'query');
      await sleep(ms);
      res.json({ sleptMs: ms });
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
