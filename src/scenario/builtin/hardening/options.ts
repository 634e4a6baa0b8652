import { z } from 'zod';

const path = z.string().startsWith('/', { error: 'expected a path starting with /' });
const method = z
  .string()
  .regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method such as GET' })
  .transform((m) => m.toUpperCase());
const origin = z.string().refine((v) => URL.canParse(v) && new URL(v).origin === v, {
  error:
    'expected a serialized origin such as https://app.example.com (scheme, host, optional port, no path)',
});

const route = z.strictObject({
  /** HTTP method, any case. */
  method: method.default('GET'),
  /** Path on the target. */
  path,
  /** JSON-encoded unless a string. */
  body: z.unknown().optional(),
  /** Sent with the request. */
  headers: z.record(z.string(), z.string()).optional(),
});

export const hardeningSchema = z.strictObject({
  health: z
    .strictObject({
      /** Liveness probe: 200 quickly, without credentials. A single health route: give it as both. */
      live: path.default('/livez'),
      /** Readiness probe: 200 quickly, without credentials, leaking no secret. */
      ready: path.default('/readyz'),
      /** How fast a probe must answer. */
      withinMs: z.int().positive().default(1_000),
    })
    .default({ live: '/livez', ready: '/readyz', withinMs: 1_000 }),
  probes: z
    .strictObject({
      /** A route answering 200 without credentials; health.live when unset. */
      ok: path.optional(),
      /** A route answering 401 without credentials; the first protected route when unset. */
      unauthorized: route.optional(),
      /** A path answered 404, for `headers.security`. */
      notFound: path.default('/shakedown-no-such-route'),
      /** A request answered 413; limit + 1 bytes on the bodyLimit route when unset. */
      tooLarge: route.optional(),
      /** Repeated from one fresh source address until it answers 429, at most maxRequests times. */
      tooMany: route
        .extend({
          /** Requests sent before giving up on a 429 (`headers.security` then warns). */
          maxRequests: z.int().positive().max(1_000).default(100),
        })
        .optional(),
    })
    .default({ notFound: '/shakedown-no-such-route' }),
  cors: z
    .strictObject({
      /** Origins that must get an exact `Access-Control-Allow-Origin` with `Vary: Origin`; others get none. */
      allowedOrigins: z.array(origin).default([]),
      /** Where simple cross-origin GETs go; health.live when unset. */
      path: path.optional(),
      preflight: z
        .strictObject({
          /** `Access-Control-Request-Method` of the preflight. */
          method: method.default('POST'),
          /** The first protected route's path when unset. */
          path: path.optional(),
          /** `Access-Control-Request-Headers` of the preflight. */
          headers: z.array(z.string().min(1)).default(['authorization', 'content-type']),
        })
        .default({ method: 'POST', headers: ['authorization', 'content-type'] }),
    })
    .default({
      allowedOrigins: [],
      preflight: { method: 'POST', headers: ['authorization', 'content-type'] },
    }),
  bodyLimit: z
    .strictObject({
      /** HTTP method of the route that reads a body. */
      method: method.default('POST'),
      /** The route; limit + 1 bytes must get 413, limit − 1 must not. */
      path,
      /** The limit in bytes (100kb in Express terms is 102400). */
      bytes: z.int().min(64, { error: 'expected a byte count ≥ 64' }),
      /** The body's media type. */
      contentType: z.string().default('application/json'),
      /** Send the target's credentials, so the body is read at all (default true). */
      auth: z.boolean().default(true),
    })
    .optional(),
  /**
   * Each must answer 401 with no token, a garbage one, an HS256 token signed with a weak secret and
   * `alg: none`; `auth.required` skips when empty.
   */
  protectedRoutes: z.array(route).default([]),
  /** Well-known HS256 secrets a forged token is signed with (jwt.io's default among them). */
  weakJwtSecrets: z.array(z.string().min(1)).default(['secret', 'changeme', 'your-256-bit-secret']),
  startup: z
    .strictObject({
      /** Environment variables the target must refuse to start without. */
      requiredSecrets: z
        .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a variable name' }))
        .min(1),
      /** Values each required secret is also tried with; the target must reject them too. */
      placeholders: z.array(z.string().min(1)).default(['changeme']),
      /** Each refused start must exit within this long, never opening its port. */
      timeoutSec: z.number().positive().max(60).default(10),
    })
    .optional(),
});

export type HardeningSettings = z.output<typeof hardeningSchema>;
export type RouteProbe = z.output<typeof route>;
