import type { Check } from '../../../run/checks.ts';
import type { Evidence } from '../../../run/model.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { type Clients, NoFreshQuota } from './clients.ts';
import { type RateLimitOptions, type RateLimitRoute, routeLabel } from './options.ts';

/** What every rate-limit check body gets: the scenario, its options, the route under test, a fresh-client source. */
export interface RouteCheck {
  ctx: ScenarioContext;
  c: CheckContext;
  route: RateLimitRoute;
  clients: Clients;
  options: RateLimitOptions;
}

export type RouteJudge = (check: RouteCheck) => Promise<CheckOutcome>;

const SEVERITY = { fail: 3, warn: 2, pass: 1, skip: 0 } as const;

/**
 * Runs one check over every configured route and records a single result: the worst verdict
 * wins, the message names each route, and the evidence keeps every route's own. One result per id
 * keeps ids unique within the suite (reports, JUnit and baselines key on them).
 */
export async function checkEveryRoute(
  ctx: ScenarioContext,
  options: RateLimitOptions,
  clients: Clients,
  check: Check,
  judge: RouteJudge,
): Promise<void> {
  await ctx.check(check, async (c) => {
    const results: Array<CheckOutcome & { route: string }> = [];
    for (const route of options.routes) {
      let result: CheckOutcome;
      try {
        result = await judge({ ctx, c, route, clients, options });
      } catch (error) {
        if (!(error instanceof NoFreshQuota)) throw error;
        result = c.skip(error.message);
      }
      results.push({ route: routeLabel(route), ...result });
    }
    return combine(results);
  });
}

function combine(results: Array<CheckOutcome & { route: string }>): CheckOutcome {
  const worst = results.reduce((a, b) => (SEVERITY[b.verdict] > SEVERITY[a.verdict] ? b : a));
  const message = results.map((r) => `${r.route}: ${r.message}`).join('\n');
  if (results.length === 1) return { verdict: worst.verdict, message, evidence: worst.evidence };
  const evidence: Evidence = {
    ...worst.evidence,
    routes: results.map((r) => ({
      route: r.route,
      verdict: r.verdict,
      message: r.message,
      evidence: r.evidence,
    })),
  };
  return { verdict: worst.verdict, message, evidence };
}

/** `201 ×10, 429` — the statuses of a sequence, run-length encoded. */
export function statusRuns(outcomes: readonly string[]): string {
  const runs: Array<[string, number]> = [];
  for (const o of outcomes) {
    const last = runs.at(-1);
    if (last && last[0] === o) last[1]++;
    else runs.push([o, 1]);
  }
  return runs.map(([o, n]) => (n > 1 ? `${o} ×${n}` : o)).join(', ');
}
