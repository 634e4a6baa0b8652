import type { Operation } from '../../openapi/operations.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { Observation } from '../run.ts';
import { exchangeEvidence, opInfo, opTitle, type ResultContext } from './shared.ts';

export const linksCheck = defineCheck(import.meta.url, {
  id: 'contract.links',
  title: 'Links lead somewhere',
  verifies:
    "Every OpenAPI link of an operation's responses can be followed: the values it takes from the response (e.g. $response.body#/id) get the linked operation a 2xx.",
  failsWhen:
    'The linked operation answers 4xx or 5xx to the values the link passes, the link names no operation of the spec, or its expressions cannot be resolved against the response.',
  fix: 'Return the identifiers the links promise (the ones the service stores and looks up), or correct the link definitions in the spec.',
  severity: 'blocking',
  proof: { faults: ['contract-broken-link'] },
});

/** One result per link of the operation's responses: followed, broken, or never followed. */
export function linkResults(ctx: ResultContext, op: Operation): CheckResult[] {
  const results: CheckResult[] = [];
  const linkObservations = [...ctx.run.observations.values()].flat().filter((o) => o.link?.source === op);
  for (const response of op.responses) {
    for (const link of response.links) {
      const title = `${opTitle(op)}: link ${link.name} (${response.key} → ${link.operationId ?? link.operationRef})`;
      const evidenceBase = {
        operation: opInfo(op),
        link: { name: link.name, response: response.key, target: link.operationId ?? link.operationRef },
      };
      const problem = ctx.run.linkProblems.find((p) => p.source === op && p.link === link);
      if (problem) {
        const evidence = exchangeEvidence(
          ctx.http,
          problem.observation.exchange,
          [problem.problem],
          evidenceBase,
        );
        results.push(linksCheck.result('fail', problem.problem, { title, evidence }));
        continue;
      }
      const used = linkObservations.find((o) => o.link?.link === link);
      if (!used) {
        results.push(
          linksCheck.result(
            'skip',
            `never followed: ${op.key} did not answer ${response.key} with what the link needs`,
            { title, evidence: evidenceBase },
          ),
        );
        continue;
      }
      const status = used.exchange.response?.status;
      const ok = status !== undefined && status < 400;
      const message = ok
        ? `${used.op.key} answered ${status} with the values the link passes (${describeParams(used)})`
        : `${used.op.key} answered ${status ?? used.exchange.error?.code} with the values the link passes (${describeParams(used)}); expected a 2xx`;
      const evidence = exchangeEvidence(ctx.http, used.exchange, ok ? [] : [message], evidenceBase);
      results.push(linksCheck.result(ok ? 'pass' : 'fail', message, { title, evidence }));
    }
  }
  return results;
}

function describeParams(o: Observation): string {
  return (o.link?.params ?? []).map((p) => `${p.in} ${p.name}=${p.value}`).join(', ') || 'no parameters';
}
