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
  method: method.default('GET'),
  path,
  /** JSON-encoded unless a string. */
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export const hardeningSchema = z.strictObject({
  health: z
    .strictObject({
      live: path.default('/livez'),
      ready: path.default('/readyz'),
      withinMs: z.int().positive().default(1_000),
    })
    .default({ live: '/livez', ready: '/readyz', withinMs: 1_000 }),
  probes: z
    .strictObject({
      /** A route answering 200 without credentials; health.live when unset. */
      ok: path.optional(),
      /** A route answering 401 without credentials; the first protected route when unset. */
      unauthorized: route.optional(),
      notFound: path.default('/shakedown-no-such-route'),
      /** A request answered 413; limit + 1 bytes on the bodyLimit route when unset. */
      tooLarge: route.optional(),
      /** Repeated from one fresh source address until it answers 429, at most maxRequests times. */
      tooMany: route.extend({ maxRequests: z.int().positive().max(1_000).default(100) }).optional(),
    })
    .default({ notFound: '/shakedown-no-such-route' }),
  cors: z
    .strictObject({
      allowedOrigins: z.array(origin).default([]),
      /** Where simple cross-origin GETs go; health.live when unset. */
      path: path.optional(),
      preflight: z
        .strictObject({
          method: method.default('POST'),
          /** The first protected route's path when unset. */
          path: path.optional(),
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
      method: method.default('POST'),
      path,
      /** The limit in bytes (100kb in Express terms is 102400). */
      bytes: z.int().min(64, { error: 'expected a byte count ≥ 64' }),
      contentType: z.string().default('application/json'),
      /** Send the target's credentials, so the body is read at all (default true). */
      auth: z.boolean().default(true),
    })
    .optional(),
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
      timeoutSec: z.number().positive().max(60).default(10),
    })
    .optional(),
});

export type HardeningSettings = z.output<typeof hardeningSchema>;
export type RouteProbe = z.output<typeof route>;
