import type { Operation } from '../../openapi/operations.ts';
import { RESPONSE_CHECKS, type ResponseCheck } from '../../openapi/response.ts';
import { type Check, defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { Observation } from '../run.ts';
import {
  exchangeEvidence,
  failure,
  opInfo,
  opTitle,
  plural,
  type ResultContext,
  responseList,
  statusList,
} from './shared.ts';

/** The checks every answer is validated against (`openapi/response.ts` finds the problems). */
export const noServerErrorCheck = defineCheck(import.meta.url, {
  id: 'contract.no-server-error',
  title: 'No server error',
  verifies:
    'Every request the contract run sends (valid, invalid, without or with wrong credentials, along links) is answered below 500 within the request timeout.',
  failsWhen:
    'An operation answers 5xx, times out or drops the connection: usually an unhandled error on input the handler did not expect.',
  fix: "Answer expected failures (bad input, not found, conflict) with their documented 4xx and keep 5xx for real outages; the failing request's curl repro and the server log show where it broke.",
  severity: 'blocking',
  proof: { faults: ['contract-undocumented-status'] },
});

export const statusDocumentedCheck = defineCheck(import.meta.url, {
  id: 'contract.status-documented',
  title: 'Status documented',
  verifies:
    "Every status an operation answers is listed in the operation's responses in the OpenAPI document (exactly, as a 4XX/5XX range, or as default).",
  failsWhen: 'An operation answers a status its responses do not document, which its clients do not expect.',
  fix: "Answer with a documented status, or add the status (with its body) to the operation's responses in the spec.",
  severity: 'blocking',
  proof: { faults: ['contract-undocumented-status'] },
});

export const contentTypeCheck = defineCheck(import.meta.url, {
  id: 'contract.content-type',
  title: 'Content type documented',
  verifies: 'Every response body comes with a Content-Type the spec documents for its status.',
  failsWhen:
    "A body's media type is not one the spec documents for its status (text/html for a JSON body, say); a body where the spec documents none warns, and fails with contracts.strictBodies.",
  fix: 'Set the Content-Type explicitly where a serialized body is sent (frameworks guess it from what they are given), or document the media type in the spec.',
  severity: 'blocking',
  proof: { faults: ['contract-wrong-content-type'] },
});

export const responseSchemaCheck = defineCheck(import.meta.url, {
  id: 'contract.response-schema',
  title: 'Response matches its schema',
  verifies:
    'Every response body validates against the schema the spec documents for its status and media type: types, formats, required and writeOnly properties.',
  failsWhen:
    'A body has a field of the wrong type or format, lacks a required field, is not valid JSON, or includes a property the spec marks writeOnly.',
  fix: 'Build responses from one model that matches the spec (or generate one from the other), and leave writeOnly fields such as secrets out of responses.',
  severity: 'blocking',
  proof: { faults: ['contract-drift', 'contract-writeonly-leak'] },
});

export const responseHeadersCheck = defineCheck(import.meta.url, {
  id: 'contract.response-headers',
  title: 'Response headers documented',
  verifies: 'Every header the spec documents for a response is present when required and matches its schema.',
  failsWhen:
    'A required response header (Location on a 201, say) is missing, or a documented header has a value its schema rejects.',
  fix: 'Set the documented headers on every response of that status, or correct the header definitions in the spec.',
  severity: 'blocking',
  proof: { faults: ['contract-missing-header'] },
});

const BY_KIND: Record<ResponseCheck, { check: Check; title: string }> = {
  'no-server-error': { check: noServerErrorCheck, title: 'no server error' },
  'status-documented': { check: statusDocumentedCheck, title: 'status documented' },
  'content-type': { check: contentTypeCheck, title: 'content type documented' },
  'response-schema': { check: responseSchemaCheck, title: 'response schema' },
  'response-headers': { check: responseHeadersCheck, title: 'response headers' },
};

/** One result per response check for the operation, in `RESPONSE_CHECKS` order. */
export function responseResults(
  ctx: ResultContext,
  op: Operation,
  observations: Observation[],
): CheckResult[] {
  return RESPONSE_CHECKS.map((kind) => responseResult(ctx, op, kind, observations));
}

function responseResult(
  ctx: ResultContext,
  op: Operation,
  kind: ResponseCheck,
  observations: Observation[],
): CheckResult {
  const { check, title: label } = BY_KIND[kind];
  const title = `${opTitle(op)}: ${label}`;
  const problems = observations
    .map((o) => ({
      o,
      errors:
        kind === 'no-server-error' && o.exchange.error
          ? [networkProblem(o)]
          : (o.findings?.failures[kind] ?? []),
    }))
    .filter((p) => p.errors.length > 0);
  if (problems.length > 0) {
    const { message, evidence } = failure(ctx.http, op, observations.length, problems);
    return check.result('fail', message, { title, evidence });
  }
  if (!observations.some((o) => o.exchange.response))
    return check.result('skip', 'no response to check', { title, evidence: { operation: opInfo(op) } });
  const warnings = observations
    .map((o) => ({ o, errors: o.findings?.warnings[kind] ?? [] }))
    .filter((p) => p.errors.length > 0);
  if (warnings.length > 0) {
    const [{ o, errors }] = warnings;
    return check.result('warn', `${o.label} → ${o.exchange.response?.status}: ${errors[0]}`, {
      title,
      evidence: exchangeEvidence(ctx.http, o.exchange, errors, { operation: opInfo(op) }),
    });
  }
  return check.result('pass', passMessage(kind, observations), {
    title,
    evidence: { operation: opInfo(op), responses: responseList(observations) },
  });
}

function networkProblem(o: Observation): string {
  const { error, timings } = o.exchange;
  if (error?.code === 'TIMEOUT') return `no response within ${Math.round(timings.totalMs)} ms (timed out)`;
  return `no response: ${error?.code} ${error?.message ?? ''}`.trim();
}

function passMessage(kind: ResponseCheck, observations: Observation[]): string {
  const answered = observations.filter((o) => o.exchange.response);
  const statuses = statusList(answered);
  if (kind === 'no-server-error')
    return `${plural(answered.length, 'response')}, none a 5xx or a timeout (${statuses})`;
  if (kind === 'status-documented') return `every status is documented (${statuses})`;
  if (kind === 'content-type') {
    const types = [...new Set(answered.map((o) => o.findings?.mediaType).filter(Boolean))];
    return types.length
      ? `every body has a documented media type (${types.join(', ')})`
      : 'no response had a body, and none was documented';
  }
  if (kind === 'response-schema') {
    const validated = answered.filter((o) => o.findings?.mediaType).length;
    return validated === 1 ? '1 body matches its schema' : `${validated} bodies match their schemas`;
  }
  const names = [
    ...new Set(answered.flatMap((o) => o.findings?.documented?.headers.map((h) => h.name) ?? [])),
  ];
  return names.length
    ? `documented headers present and valid (${names.join(', ')})`
    : 'no headers documented for these responses';
}
