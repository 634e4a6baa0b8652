import type { z } from 'zod';
import type { ScenarioDefinition } from '../define.ts';
import { authRequiredCheck, checkAuthRequired } from './hardening/auth.ts';
import { bodyLimitCheck, checkBodyLimit } from './hardening/body-limit.ts';
import {
  type CorsPlan,
  checkAllowedOrigin,
  checkNoReflection,
  corsAllowedOriginCheck,
  corsNoReflectionCheck,
} from './hardening/cors.ts';
import { checkSecurityHeaders, securityHeadersCheck } from './hardening/headers.ts';
import { checkHealth, healthLiveCheck, healthReadyCheck } from './hardening/health.ts';
import { hardeningSchema } from './hardening/options.ts';
import { checkStartupFailFast, startupFailFastCheck } from './hardening/startup.ts';
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
      const healthTitle = (path: string) => `${path} answers 200 quickly without credentials or secrets`;
      await ctx.check(healthLiveCheck, (c) => checkHealth(ctx, c, health.live, health.withinMs), {
        title: healthTitle(health.live),
      });
      await ctx.check(healthReadyCheck, (c) => checkHealth(ctx, c, health.ready, health.withinMs), {
        title: healthTitle(health.ready),
      });
      await ctx.check(securityHeadersCheck, (c) => checkSecurityHeaders(ctx, c, s));
      await ctx.check(corsNoReflectionCheck, (c) => checkNoReflection(ctx, c, cors));
      await ctx.check(corsAllowedOriginCheck, (c) => checkAllowedOrigin(ctx, c, cors));
      await ctx.check(bodyLimitCheck, (c) => checkBodyLimit(ctx, c, s.bodyLimit, health.ready));
      await ctx.check(authRequiredCheck, (c) =>
        checkAuthRequired(ctx, c, s.protectedRoutes, s.weakJwtSecrets),
      );
      await ctx.check(startupFailFastCheck, (c) => checkStartupFailFast(ctx, c, s.startup));
    },
  };
}
