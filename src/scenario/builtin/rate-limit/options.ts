import { z } from 'zod';

const positiveInt = z.number().int().positive();
const headersFn = z.custom<() => Record<string, string> | Promise<Record<string, string>>>(
  (v) => typeof v === 'function',
  { message: 'expected a function returning headers' },
);

const routeSchema = z.strictObject({
  /** HTTP method. */
  method: z.string().min(1).default('GET'),
  /** Path on the target, e.g. `/v1/sessions`. */
  path: z.string().startsWith('/'),
  /** Request body: a value sent as JSON (or a string/Buffer as is), or a function making one per request. */
  body: z.unknown().optional(),
  /** Sent with every request. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Requests allowed per window, as documented for the route. */
  limit: positiveInt.max(10_000),
  /** The quota's window, as documented for the route. */
  windowSec: z.number().positive(),
  /** What the quota is keyed on: the client address, or an API key / token. */
  scope: z.enum(['ip', 'key']).default('ip'),
});

export const rateLimitOptionsSchema = z
  .strictObject({
    /** The documented quotas, at least one. */
    routes: z.array(routeSchema).min(1, 'configure at least one route'),
    /** Probes that must never be limited nor counted, e.g. `['/livez', '/readyz']`. */
    healthPaths: z.array(z.string().startsWith('/')).default([]),
    /** `rate-limit.reset` waits for Retry-After only up to this long; longer windows are skipped. */
    maxWaitSec: z.number().positive().max(3600).default(70),
    /**
     * Headers for a brand-new API key or token, for `scope: 'key'` routes: each check asks for one to
     * get a fresh quota, like a fresh source address does for `scope: 'ip'`.
     */
    freshKey: headersFn.optional(),
    /** Upper bound for one check, in seconds: a hung target is a finding, never a hung run. Default: 60, or `maxWaitSec` + 30 when longer. */
    checkTimeoutSec: z.number().positive().optional(),
  })
  .refine((o) => o.freshKey !== undefined || o.routes.every((r) => r.scope === 'ip'), {
    message: "routes with scope 'key' need freshKey: () => headers carrying a new API key or token",
    path: ['freshKey'],
  });

export type RateLimitScenarioOptions = z.input<typeof rateLimitOptionsSchema>;
export type RateLimitOptions = z.output<typeof rateLimitOptionsSchema>;
export type RateLimitRoute = RateLimitOptions['routes'][number];

export function routeLabel(route: RateLimitRoute): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}
