import type { Operation } from '../../openapi/operations.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { Observation } from '../run.ts';
import { failure, opInfo, opTitle, plural, type ResultContext, responseList } from './shared.ts';

export const negativeRejectedCheck = defineCheck(import.meta.url, {
  id: 'contract.negative-rejected',
  title: 'Invalid requests rejected',
  verifies:
    'Requests with one thing the spec forbids (a required field missing, a field of the wrong type, a value out of range, format or pattern) are refused with a 4xx.',
  failsWhen: 'The operation accepts such a request (2xx), or fails on it with a 5xx or no answer.',
  fix: 'Validate bodies, path and query parameters against the schemas the spec documents (a schema validator, or code generated from the spec) and answer 400 or 422 instead of falling back to defaults.',
  severity: 'blocking',
  proof: { faults: ['contract-no-validation'] },
});

export function negativeResult(ctx: ResultContext, op: Operation, observations: Observation[]): CheckResult {
  const title = `${opTitle(op)}: invalid requests rejected`;
  const negatives = observations.filter((o) => o.kind === 'negative');
  if (negatives.length === 0)
    return negativeRejectedCheck.result(
      'skip',
      'nothing to break: no required field, typed or bounded input',
      {
        title,
        evidence: { operation: opInfo(op) },
      },
    );
  const problems = negatives
    .filter((o) => !is4xx(o))
    .map((o) => ({
      o,
      errors: [`answered ${o.exchange.response?.status ?? o.exchange.error?.code}, expected a 4xx`],
    }));
  if (problems.length > 0) {
    const { message, evidence } = failure(ctx.http, op, negatives.length, problems);
    return negativeRejectedCheck.result('fail', message, { title, evidence });
  }
  return negativeRejectedCheck.result(
    'pass',
    `${plural(negatives.length, 'invalid request')} rejected (${negatives.map((o) => `${o.label} → ${o.exchange.response?.status}`).join('; ')})`,
    { title, evidence: { operation: opInfo(op), responses: responseList(negatives) } },
  );
}

function is4xx(o: Observation): boolean {
  const status = o.exchange.response?.status ?? 0;
  return status >= 400 && status < 500;
}
