import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Auth } from './auth.ts';
import type { Config } from './env.ts';
import type { Limiters } from './rate-limits.ts';
import type { SessionStore } from './stores/sessions.ts';
import type { WebhookEventStore } from './stores/webhook-events.ts';

/** What route modules and the socket layer share; built once per app in app.ts. */
export interface AppContext {
  config: Config;
  logger: Logger;
  auth: Auth;
  sessions: SessionStore;
  webhookEvents: WebhookEventStore;
  limiters: Limiters;
  /** JSON body parser with the configured size limit. */
  jsonBody: RequestHandler;
}
