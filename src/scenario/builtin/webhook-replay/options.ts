import { z } from 'zod';
import type { WebhookScheme } from '../../webhook-schemes/index.ts';
import { webhookSchemes } from '../../webhook-schemes/index.ts';
import type { WebhookEvent } from './bodies.ts';

const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { message: `expected ${what}` });

const isScheme = (v: unknown): v is WebhookScheme =>
  typeof v === 'object' && v !== null && typeof (v as WebhookScheme).signature === 'function';

const schemeNames = Object.keys(webhookSchemes) as [
  keyof typeof webhookSchemes,
  ...(keyof typeof webhookSchemes)[],
];

export const webhookOptionsSchema = z
  .strictObject({
    /** The receiver's path, e.g. `/v1/webhooks/payments`. */
    path: z.string().startsWith('/'),
    /** How deliveries are signed: a provider's scheme by name, or `hmacScheme({...})` for another HMAC scheme. */
    scheme: z.union([
      z.enum(schemeNames, {
        message: `expected one of ${schemeNames.map((n) => `'${n}'`).join(' | ')}, or hmacScheme({...})`,
      }),
      z.custom<WebhookScheme>(isScheme, { message: 'expected a scheme name or hmacScheme({...})' }),
    ]),
    /** The signing secret itself (redacted everywhere); prefer secretName. */
    secret: z.string().min(1).optional(),
    /** The name of the secret in the config's `secrets` (default WEBHOOK_SECRET). */
    secretName: z.string().min(1).optional(),
    /** How old (and how far in the future) the receiver accepts a signed timestamp, in seconds. */
    toleranceSec: z.number().int().positive().default(300),
    /** Makes a new event, with a new id, on every call. */
    event: fn<() => WebhookEvent>('a function returning { id, type, data }').optional(),
    /**
     * How many times the receiver applied an event: an authenticated GET (`{id}` is replaced) and
     * a function reading the count from its JSON body, or a function of the event id.
     */
    probe: z
      .union([
        z.strictObject({
          /** The authenticated GET telling how many times an event was applied; `{id}` is the event id. */
          path: z.string().startsWith('/').includes('{id}', { message: 'the probe path must contain {id}' }),
          /** Reads the count from the probe's JSON body. */
          count: fn<(body: unknown) => number>('a function (body) => number').optional(),
        }),
        fn<(eventId: string) => Promise<number> | number>('a function (eventId) => Promise<number>'),
      ])
      .optional(),
    /** Headers every delivery carries besides the signature ones. */
    headers: z.record(z.string(), z.string()).default({ 'content-type': 'application/json' }),
    /** Wait this long after deliveries before asking the probe (side effects applied asynchronously). */
    settleMs: z.number().int().nonnegative().max(60_000).default(250),
    /** Upper bound for one check, in seconds (default 60): a hung target is a finding, never a hung run. */
    checkTimeoutSec: z.number().positive().optional(),
  })
  .refine((o) => !(o.secret && o.secretName), {
    message: 'give either secret or secretName, not both',
    path: ['secret'],
  });

export type WebhookReplayScenarioOptions = z.input<typeof webhookOptionsSchema>;
export type WebhookReplayOptions = z.output<typeof webhookOptionsSchema>;
export type ProbeOption = NonNullable<WebhookReplayOptions['probe']>;
