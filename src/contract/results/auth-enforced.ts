import type { Operation } from '../../openapi/operations.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { Observation } from '../run.ts';
import { failure, opInfo, opTitle, type ResultContext, responseList } from './shared.ts';

export const authEnforcedCheck = defineCheck(import.meta.url, {
  id: 'contract.auth-enforced',
  title: 'Auth enforced',
  verifies:
    'Every operation with a security requirement (in the spec, or contracts.auth) refuses a request without credentials and one with wrong credentials with 401 or 403.',
  failsWhen:
    'A secured operation answers anything else to such a request, e.g. 200 because its route skips the authentication check.',
  fix: 'Apply authentication to every route the spec secures (a guard that denies by default beats opting in route by route), or mark the operation public in the spec (security: []).',
  severity: 'blocking',
  proof: { faults: ['auth-off'] },
});

export function authResult(ctx: ResultContext, op: Operation, observations: Observation[]): CheckResult {
  const title = `${opTitle(op)}: auth enforced`;
  const { security, fromConfig, exceptedBy } = ctx.run.authOf(op);
  if (security.length === 0)
    return authEnforcedCheck.result(
      'skip',
      exceptedBy
        ? `the operation is public (contracts.auth.except: '${exceptedBy}')`
        : 'the operation is public (no security requirement)',
      { title, evidence: { operation: opInfo(op) } },
    );
  const attempts = observations.filter((o) => o.kind === 'no-credentials' || o.kind === 'bad-credentials');
  const problems = attempts
    .filter((o) => ![401, 403].includes(o.exchange.response?.status ?? 0))
    .map((o) => ({
      o,
      errors: [`answered ${o.exchange.response?.status ?? o.exchange.error?.code}, expected 401 or 403`],
    }));
  if (problems.length > 0) {
    const { message, evidence } = failure(ctx.http, op, attempts.length, problems);
    return authEnforcedCheck.result('fail', message, { title, evidence });
  }
  const schemes = fromConfig
    ? 'credentials, per contracts.auth'
    : security.map((alt) => alt.map((s) => s.name).join('+')).join(' or ');
  return authEnforcedCheck.result(
    'pass',
    `${attempts.map((o) => `${o.label} → ${o.exchange.response?.status}`).join('; ')} (requires ${schemes})`,
    { title, evidence: { operation: opInfo(op), responses: responseList(attempts) } },
  );
}
