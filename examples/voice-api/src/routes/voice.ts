import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { HttpError, methodNotAllowed } from '../problem.ts';
import { parseOr400 } from '../validate.ts';
import { sessionId } from './sessions.ts';

const tokenBody = z.strictObject({ sessionId });

export function voiceRoutes(ctx: AppContext): Router {
  const { auth, sessions, limiters } = ctx;
  const router = Router();
  router
    .route('/v1/voice/token')
    .post(auth.requireBearer, limiters.token, ctx.jsonBody, async (req, res) => {
      const { sessionId: id } = parseOr400(tokenBody, req.body ?? {}, 'body');
      const session = await sessions.get(id);
      if (!session) throw new HttpError(404, 'no such session');
      if (session.status !== 'active') throw new HttpError(409, 'the session has ended');
      res.status(201).json(await auth.mintVoiceToken(String(res.locals.subject), id));
    })
    .all(methodNotAllowed(['POST']));
  return router;
}
