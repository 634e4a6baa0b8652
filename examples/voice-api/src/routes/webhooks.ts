import express, { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { HttpError, methodNotAllowed } from '../problem.ts';
import { parseOr400 } from '../validate.ts';
import { signatureVersions, toleranceSec, verifySignature } from '../webhook-faults.ts';
import {
  checkTimestamp,
  parseSignatureHeader,
  parseSignatureHeaderNaively,
  type SignatureHeader,
} from '../webhooks.ts';

const eventBody = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.record(z.string(), z.unknown()),
});
const eventId = z.string().min(1).max(255);

function parseJson(raw: Buffer | string): unknown {
  try {
    return JSON.parse(raw.toString());
  } catch {
    throw new HttpError(400, 'the payload is not valid JSON');
  }
}

export function webhookRoutes(ctx: AppContext): Router {
  const { config, webhookEvents, auth } = ctx;
  const { faults } = config;
  const router = Router();
  const limit = faults.has('body-limit-off') ? '50mb' : config.bodyLimit;

  // Raw bytes, whatever the content type: the signature covers exactly what was sent.
  router
    .route('/v1/webhooks/payments')
    .post(express.raw({ type: () => true, limit }), async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header = req.get('Stripe-Signature');
      const parsed: SignatureHeader | undefined = faults.has('webhook-500-on-malformed')
        ? parseSignatureHeaderNaively(header)
        : parseSignatureHeader(header, signatureVersions(faults));
      if (!parsed) throw new HttpError(400, 'the Stripe-Signature header is missing or malformed');
      if (!faults.has('webhook-stale-ok')) {
        const fresh = checkTimestamp(
          parsed.timestampSec,
          Math.floor(Date.now() / 1000),
          toleranceSec(faults),
        );
        if (!fresh.ok) throw new HttpError(400, fresh.detail);
      }
      // The fault re-serialises the parsed body, so any byte-level difference breaks verification.
      const signed = faults.has('webhook-reserialize') ? JSON.stringify(parseJson(raw)) : raw;
      const verdict = verifySignature(faults, config.webhookSecret, parsed, signed);
      if (!verdict.ok) throw new HttpError(400, verdict.detail);

      const event = parseOr400(eventBody, parseJson(raw), 'event');
      const first = faults.has('webhook-no-dedupe') || (await webhookEvents.claim(event.id));
      if (first) await webhookEvents.recordApplied(event.id);
      ctx.logger.info({ eventId: event.id, eventType: event.type, duplicate: !first }, 'webhook received');
      res.json({ received: true, duplicate: !first });
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/v1/webhooks/events/:id')
    .get(auth.requireBearer, async (req, res) => {
      const id = parseOr400(eventId, req.params.id, 'id');
      res.json({ id, applied: await webhookEvents.appliedCount(id) });
    })
    .all(methodNotAllowed(['GET']));

  return router;
}
