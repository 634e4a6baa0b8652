import { defineCheck } from '../../../run/checks.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { findSecrets, knownSecrets, maskSecretPatterns } from './leaks.ts';

/** A slow first answer is timed again this many times before it counts as slow, not as a busy harness. */
const RETIMES = 2;

const NO_SECRETS_FIX =
  'Serve the health routes ahead of authentication and rate limiting, and return a status only: never the configuration, connection strings or tokens.';

export const healthLiveCheck = defineCheck(import.meta.url, {
  id: 'health.live',
  title: '/livez answers 200 quickly without credentials or secrets',
  verifies:
    'The liveness route (hardeningScenario option health: { live }, default /livez) answers 200 within health.withinMs without credentials, and its body holds no secret.',
  failsWhen:
    'It asks for credentials (401 or 403: an orchestrator probe carries none), answers another status, is slow on every try, or its body contains a configured secret or a credential-looking value.',
  fix: NO_SECRETS_FIX,
  severity: 'blocking',
  proof: { faults: ['health-auth'] },
});

export const healthReadyCheck = defineCheck(import.meta.url, {
  id: 'health.ready',
  title: '/readyz answers 200 quickly without credentials or secrets',
  verifies:
    'The readiness route (hardeningScenario option health: { ready }, default /readyz) answers 200 within health.withinMs without credentials, and its body holds no secret.',
  failsWhen:
    'It asks for credentials, answers another status, is slow on every try, or its body contains a configured secret or a credential-looking value (a readiness report that dumps the configuration).',
  fix: NO_SECRETS_FIX,
  severity: 'blocking',
  proof: { faults: ['health-leak'] },
});

/** Liveness and readiness: 200 within the bound, without credentials, nothing secret in the body. */
export async function checkHealth(
  ctx: ScenarioContext,
  c: CheckContext,
  path: string,
  withinMs: number,
): Promise<CheckOutcome> {
  const probe = () => ctx.http.request({ path, auth: false, timeoutMs: Math.max(withinMs * 5, 5_000) });
  const exchange = await probe();
  const { response, error } = exchange;
  if (!response)
    return c.fail(`${path} did not answer: ${error?.code} ${error?.message}`, c.evidence(exchange));
  const timesMs = [Math.round(exchange.timings.totalMs)];
  for (let i = 0; i < RETIMES && timesMs.at(-1)! > withinMs; i++) {
    timesMs.push(Math.round((await probe()).timings.totalMs));
  }
  const leaks = findSecrets(response.text(), knownSecrets(ctx.target.secrets, ctx.stack.launchSpec()?.env));
  const problems = [
    ...(response.status === 401 || response.status === 403
      ? [`answered ${response.status} without credentials: probes from an orchestrator carry none`]
      : response.status !== 200
        ? [`answered ${response.status}, expected 200`]
        : []),
    ...(timesMs.every((ms) => ms > withinMs)
      ? [`took ${timesMs.join(', ')} ms, over the ${withinMs} ms bound`]
      : []),
    ...leaks.map((what) => `the body contains ${what}`),
  ];
  const evidence = c.evidence(exchange, { timesMs, ...(problems.length > 0 ? { errors: problems } : {}) });
  if (evidence.response?.body) evidence.response.body = maskSecretPatterns(evidence.response.body);
  if (problems.length > 0) return c.fail(`${path} ${problems.join('; ')}`, evidence);
  if (timesMs.length > 1) {
    return c.warn(
      `${path} answered 200, but took ${timesMs[0]} ms once (then ${timesMs.slice(1).join(', ')} ms) against a ${withinMs} ms bound`,
      evidence,
    );
  }
  return c.pass(
    `${path} answered 200 in ${timesMs[0]} ms without credentials, with no secret in the body`,
    evidence,
  );
}
