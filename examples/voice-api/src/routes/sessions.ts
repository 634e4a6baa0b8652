import { randomUUID } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Faults } from '../faults.ts';
import { HttpError, methodNotAllowed } from '../problem.ts';
import type { Session } from '../stores/sessions.ts';
import { parseOr400 } from '../validate.ts';

export const LANGUAGE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

const createBody = z.strictObject({
  language: z.string().max(35).regex(LANGUAGE_PATTERN, 'must be a BCP 47 tag like en or en-US').default('en'),
  agent: z.string().min(1).max(64).default('default'),
  callerRef: z.string().min(1).max(128).optional(),
});
// contract-no-validation: a "forgiving" parser that never refuses a body. A value that breaks its rule
// falls back to the default and unknown or non-object input is dropped, so callers never see a 400.
const lenientCreateBody = z
  .object({
    language: createBody.shape.language.catch('en'),
    agent: createBody.shape.agent.catch('default'),
    callerRef: createBody.shape.callerRef.catch(undefined),
  })
  .catch({ language: 'en', agent: 'default' });
const transcriptBody = z.strictObject({ seq: z.int().min(0), text: z.string().min(1).max(2000) });
// Lenient 8-4-4-4-12 hex, the same rule as OpenAPI's `format: uuid`, so the spec and the service agree.
export const sessionId = z.guid();

/** The public shape of a session; the contract faults bend it here. */
export function sessionView(
  session: Session,
  faults: Faults,
  route: 'create' | 'get',
): Record<string, unknown> {
  const { callerRef, ...view } = session;
  if (faults.has('contract-writeonly-leak')) Object.assign(view, { callerRef });
  // The handler mints its own id for the reply while the store keeps the one it generated.
  if (route === 'create' && faults.has('contract-broken-link')) view.id = randomUUID();
  if (route === 'get' && faults.has('contract-drift')) {
    const { status: _dropped, ...drifted } = view;
    return { ...drifted, createdAt: Date.parse(session.createdAt) };
  }
  return view;
}

export function sessionRoutes(ctx: AppContext): Router {
  const { auth, sessions, limiters, config } = ctx;
  const { faults } = config;
  const router = Router();
  const idParam = (raw: string) => parseOr400(sessionId, raw, 'id');
  const sessionLimiter = faults.has('rate-limit-off') ? [] : [limiters.sessions];

  router
    .route('/v1/sessions')
    .post(auth.requireBearer, ...sessionLimiter, ctx.jsonBody, async (req, res) => {
      const body = req.body ?? {};
      const input = faults.has('contract-no-validation')
        ? lenientCreateBody.parse(body)
        : parseOr400(createBody, body, 'body');
      const session = await sessions.create(input);
      // contract-missing-header: the reply forgets the Location of the new session.
      if (!faults.has('contract-missing-header')) res.location(`/v1/sessions/${session.id}`);
      res.status(201).json(sessionView(session, faults, 'create'));
    })
    .all(methodNotAllowed(['POST']));

  const getAuth = faults.has('auth-off') ? [] : [auth.requireBearer];
  const getSession: RequestHandler<{ id: string }> = async (req, res) => {
    const session = await sessions.get(idParam(req.params.id));
    if (!session) throw new HttpError(404, 'no such session');
    const view = sessionView(session, faults, 'get');
    // contract-wrong-content-type: a pre-serialized string through res.send, which labels it text/html.
    if (faults.has('contract-wrong-content-type')) res.send(JSON.stringify(view));
    else res.json(view);
  };
  // contract-method-fallthrough: the catch-all meant to turn other methods away serves them like GET.
  const otherMethods = faults.has('contract-method-fallthrough')
    ? [...getAuth, getSession]
    : [methodNotAllowed(['GET', 'DELETE'])];
  router
    .route('/v1/sessions/:id')
    .get(...getAuth, getSession)
    .delete(auth.requireBearer, async (req, res) => {
      const id = idParam(req.params.id);
      const removed = await sessions.remove(id);
      if (!removed && faults.has('contract-undocumented-status')) {
        // The bug as shipped: the handler assumed the session exists.
        throw new TypeError(`Cannot read properties of undefined (reading 'status')`);
      }
      if (!removed) throw new HttpError(404, 'no such session');
      res.status(204).end();
    })
    .all(...otherMethods);

  router
    .route('/v1/sessions/:id/transcripts')
    .post(auth.requireBearer, limiters.transcripts, ctx.jsonBody, async (req, res) => {
      const id = idParam(req.params.id);
      const chunk = parseOr400(transcriptBody, req.body ?? {}, 'body');
      const outcome = await sessions.addTranscript(id);
      if (outcome === 'not-found') throw new HttpError(404, 'no such session');
      if (outcome === 'ended') throw new HttpError(409, 'the session has ended');
      res.status(202).json({ seq: chunk.seq, receivedAt: new Date().toISOString() });
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
