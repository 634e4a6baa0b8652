import type { z } from 'zod';
import type { ScenarioDefinition } from '../define.ts';
import { checkAuthRequired } from './hardening/auth.ts';
import { checkBodyLimit } from './hardening/body-limit.ts';
import { type CorsPlan, checkAllowedOrigin, checkNoReflection } from './hardening/cors.ts';
import { checkSecurityHeaders } from './hardening/headers.ts';
import { checkHealth } from './hardening/health.ts';
import { hardeningSchema } from './hardening/options.ts';
import { checkStartupFailFast } from './hardening/startup.ts';
import { parseScenarioOptions } from './options.ts';

/**
 * What the hardening checks probe. Every part is optional: health paths default to /livez and
 * /readyz, and a check whose settings are missing is skipped with the reason.
 */
export type HardeningOptions = z.input<typeof hardeningSchema>;

/**
 * The production-readiness basics a reviewer would otherwise take on trust: security headers on
 * every status, CORS without reflection, a body limit, health probes, authentication on every
 * protected route, and a target that refuses to start with missing or placeholder secrets.
 */
export function hardeningScenario(options: HardeningOptions = {}): ScenarioDefinition {
  const s = parseScenarioOptions('hardeningScenario', hardeningSchema, options);
  return {
    name: 'hardening',
    async run(ctx) {
      const { health } = s;
      const cors: CorsPlan = {
        allowedOrigins: s.cors.allowedOrigins,
        path: s.cors.path ?? health.live,
        preflight: {
          ...s.cors.preflight,
          path: s.cors.preflight.path ?? s.protectedRoutes[0]?.path ?? s.cors.path ?? health.live,
        },
      };
      await ctx.check(
        'health.live',
        `${health.live} answers 200 quickly without credentials or secrets`,
        (c) => checkHealth(ctx, c, health.live, health.withinMs),
      );
      await ctx.check(
        'health.ready',
        `${health.ready} answers 200 quickly without credentials or secrets`,
        (c) => checkHealth(ctx, c, health.ready, health.withinMs),
      );
      await ctx.check('headers.security', 'Security headers on 200, 401, 404, 413 and 429 responses', (c) =>
        checkSecurityHeaders(ctx, c, s),
      );
      await ctx.check('cors.no-reflection', 'Hostile and look-alike origins are not trusted', (c) =>
        checkNoReflection(ctx, c, cors),
      );
      await ctx.check(
        'cors.allowed-origin',
        'Allowed origins get an exact CORS answer and a working preflight',
        (c) => checkAllowedOrigin(ctx, c, cors),
      );
      await ctx.check(
        'body-limit.enforced',
        'Oversized bodies are refused with 413, by bytes, chunked too',
        (c) => checkBodyLimit(ctx, c, s.bodyLimit, health.ready),
      );
      await ctx.check('auth.required', 'Protected routes refuse missing, garbage and forged tokens', (c) =>
        checkAuthRequired(ctx, c, s.protectedRoutes, s.weakJwtSecrets),
      );
      await ctx.check(
        'startup.fail-fast',
        'The target refuses to start with a missing or placeholder secret',
        (c) => checkStartupFailFast(ctx, c, s.startup),
      );
    },
  };
}
