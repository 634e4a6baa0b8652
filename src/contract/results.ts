import type { HttpClient, HttpExchange } from '../http/client.ts';
import { quote } from '../http/curl.ts';
import type { LintFinding } from '../openapi/lint.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { RESPONSE_CHECKS, type ResponseCheck } from '../openapi/response.ts';
import type { CheckResult, CheckVerdict, Evidence } from '../run/model.ts';
import type { ContractRun, MethodProbe, Observation } from './run.ts';

const TITLES: Record<ResponseCheck, string> = {
  'no-server-error': 'no server error',
  'status-documented': 'status documented',
  'content-type': 'content type documented',
  'response-schema': 'response schema',
  'response-headers': 'response headers',
};
const MAX_LISTED_FAILURES = 10;

/** Turns what a contract run observed into check results: one per operation and check id. */
export class ContractResults {
  readonly #spec: ApiSpec;
  readonly #http: HttpClient;
  readonly #run: ContractRun;
  /** Why operations without observations were never sent (the run was interrupted), if it stopped early. */
  readonly #stoppedEarly: string | undefined;

  constructor(spec: ApiSpec, http: HttpClient, run: ContractRun, stoppedEarly?: string) {
    this.#spec = spec;
    this.#http = http;
    this.#run = run;
    this.#stoppedEarly = stoppedEarly;
  }

  forOperation(op: Operation): CheckResult[] {
    const observations = this.#run.observations.get(op) ?? [];
    if (observations.length === 0) return [];
    return [
      ...RESPONSE_CHECKS.map((check) => this.#responseCheck(op, check, observations)),
      this.#negative(op, observations),
      this.#auth(op, observations),
      ...this.#custom(op, observations),
    ];
  }

  links(op: Operation): CheckResult[] {
    const results: CheckResult[] = [];
    const linkObservations = [...this.#run.observations.values()].flat().filter((o) => o.link?.source === op);
    for (const response of op.responses) {
      for (const link of response.links) {
        const title = `${opTitle(op)}: link ${link.name} (${response.key} → ${link.operationId ?? link.operationRef})`;
        const evidenceBase = {
          operation: opInfo(op),
          link: { name: link.name, response: response.key, target: link.operationId ?? link.operationRef },
        };
        const problem = this.#run.linkProblems.find((p) => p.source === op && p.link === link);
        if (problem) {
          results.push(
            this.#result(
              'contract.links',
              title,
              'fail',
              problem.problem,
              problem.observation.exchange,
              [problem.problem],
              evidenceBase,
            ),
          );
          continue;
        }
        const used = linkObservations.find((o) => o.link?.link === link);
        if (!used) {
          results.push({
            id: 'contract.links',
            title,
            verdict: 'skip',
            message: `never followed: ${op.key} did not answer ${response.key} with what the link needs`,
            evidence: evidenceBase,
          });
          continue;
        }
        const status = used.exchange.response?.status;
        const ok = status !== undefined && status < 400;
        const message = ok
          ? `${used.op.key} answered ${status} with the values the link passes (${describeParams(used)})`
          : `${used.op.key} answered ${status ?? used.exchange.error?.code} with the values the link passes (${describeParams(used)}); expected a 2xx`;
        results.push(
          this.#result(
            'contract.links',
            title,
            ok ? 'pass' : 'fail',
            message,
            used.exchange,
            ok ? [] : [message],
            evidenceBase,
          ),
        );
      }
    }
    return results;
  }

  coverage(op: Operation): CheckResult {
    const observations = this.#run.observations.get(op) ?? [];
    const statuses = statusCounts(observations);
    const title = `${opTitle(op)}: coverage`;
    const evidence = { operation: opInfo(op), statuses };
    const skipped = this.#run.skipped.get(op);
    if (skipped)
      return {
        id: 'contract.coverage',
        title,
        verdict: 'warn',
        message: `never exercised: ${skipped}`,
        evidence,
      };
    if (observations.length === 0 && this.#stoppedEarly)
      return { id: 'contract.coverage', title, verdict: 'skip', message: this.#stoppedEarly, evidence };
    if (observations.length === 0)
      return {
        id: 'contract.coverage',
        title,
        verdict: 'warn',
        message: 'never exercised: the run stopped before it',
        evidence,
      };
    const succeeded = observations.some(
      (o) => (o.kind === 'positive' || o.kind === 'link') && (o.exchange.response?.status ?? 999) < 400,
    );
    if (!succeeded) {
      const positive = statusList(observations.filter((o) => o.kind === 'positive' || o.kind === 'link'));
      return {
        id: 'contract.coverage',
        title,
        verdict: 'warn',
        message: `never exercised successfully: positive requests got ${positive || 'no response'}`,
        evidence,
      };
    }
    return {
      id: 'contract.coverage',
      title,
      verdict: 'pass',
      message: `exercised: ${statusList(observations)}`,
      evidence,
    };
  }

  summary(): CheckResult {
    const operations: Record<string, unknown> = {};
    let exercised = 0;
    for (const op of this.#spec.operations) {
      const result = this.coverage(op);
      if (result.verdict === 'pass') exercised++;
      operations[op.key] = {
        method: op.method,
        path: op.path,
        exercised: result.verdict === 'pass',
        statuses: (result.evidence as { statuses: unknown }).statuses,
        ...(result.verdict === 'pass' ? {} : { reason: result.message }),
      };
    }
    const total = this.#spec.operations.length;
    const branches = Object.fromEntries([...this.#run.branches].map(([k, v]) => [k, [...v].sort()]));
    return {
      id: 'contract.coverage',
      title: `coverage: ${exercised}/${total} operations of ${this.#spec.displayFile} exercised`,
      verdict: exercised === total ? 'pass' : 'warn',
      message: `${exercised} of ${total} operations answered a positive request successfully`,
      evidence: { exercised, total, operations, oneOfBranches: branches },
    };
  }

  methodProbe(probe: MethodProbe): CheckResult {
    const title = `${probe.method} ${probe.path}: method not allowed`;
    const base = {
      operation: { method: probe.method, path: probe.path },
      documentedMethods: probe.documented,
    };
    const status = probe.exchange.response?.status;
    const fail = (message: string) =>
      this.#result('contract.method-not-allowed', title, 'fail', message, probe.exchange, [message], base);
    if (status === undefined) return fail(`no response: ${probe.exchange.error?.code ?? 'unknown error'}`);
    if (status === 405) {
      const allow = probe.exchange.response?.headers.allow;
      const listed = (allow ?? '').split(',').map((m) => m.trim().toUpperCase());
      const missing = probe.documented.filter((m) => !listed.includes(m));
      if (allow === undefined)
        return this.#result(
          'contract.method-not-allowed',
          title,
          'warn',
          '405, but without the Allow header RFC 9110 requires',
          probe.exchange,
          [],
          base,
        );
      if (missing.length)
        return this.#result(
          'contract.method-not-allowed',
          title,
          'warn',
          `405, but Allow (${allow}) leaves out documented ${missing.join(', ')}`,
          probe.exchange,
          [],
          base,
        );
      return this.#result(
        'contract.method-not-allowed',
        title,
        'pass',
        `405 with Allow: ${allow}`,
        probe.exchange,
        [],
        base,
      );
    }
    if (status < 400)
      return fail(
        `answered ${status} to a method the spec does not document for ${probe.path}: an undocumented operation`,
      );
    if (status >= 500 || probe.documents405) return fail(`answered ${status}; expected 405`);
    return this.#result(
      'contract.method-not-allowed',
      title,
      'warn',
      `answered ${status}, not 405 (the spec does not document 405 here, so this is not a failure)`,
      probe.exchange,
      [],
      base,
    );
  }

  #responseCheck(op: Operation, check: ResponseCheck, observations: Observation[]): CheckResult {
    const id = `contract.${check}`;
    const title = `${opTitle(op)}: ${TITLES[check]}`;
    const problems = observations
      .map((o) => ({
        o,
        errors:
          check === 'no-server-error' && o.exchange.error
            ? [networkProblem(o)]
            : (o.findings?.failures[check] ?? []),
      }))
      .filter((p) => p.errors.length > 0);
    if (problems.length > 0) return this.#failure(id, title, op, observations.length, problems);
    if (!observations.some((o) => o.exchange.response))
      return {
        id,
        title,
        verdict: 'skip',
        message: 'no response to check',
        evidence: { operation: opInfo(op) },
      };
    const warnings = observations
      .map((o) => ({ o, errors: o.findings?.warnings[check] ?? [] }))
      .filter((p) => p.errors.length > 0);
    if (warnings.length > 0) {
      const [{ o, errors }] = warnings;
      return this.#result(
        id,
        title,
        'warn',
        `${o.label} → ${o.exchange.response?.status}: ${errors[0]}`,
        o.exchange,
        errors,
        { operation: opInfo(op) },
      );
    }
    return {
      id,
      title,
      verdict: 'pass',
      message: passMessage(check, observations),
      evidence: { operation: opInfo(op), responses: responseList(observations) },
    };
  }

  #negative(op: Operation, observations: Observation[]): CheckResult {
    const title = `${opTitle(op)}: invalid requests rejected`;
    const negatives = observations.filter((o) => o.kind === 'negative');
    if (negatives.length === 0)
      return {
        id: 'contract.negative-rejected',
        title,
        verdict: 'skip',
        message: 'nothing to break: no required field, typed or bounded input',
        evidence: { operation: opInfo(op) },
      };
    const problems = negatives
      .filter((o) => !is4xx(o))
      .map((o) => ({
        o,
        errors: [`answered ${o.exchange.response?.status ?? o.exchange.error?.code}, expected a 4xx`],
      }));
    if (problems.length > 0)
      return this.#failure('contract.negative-rejected', title, op, negatives.length, problems);
    return {
      id: 'contract.negative-rejected',
      title,
      verdict: 'pass',
      message: `${plural(negatives.length, 'invalid request')} rejected (${negatives.map((o) => `${o.label} → ${o.exchange.response?.status}`).join('; ')})`,
      evidence: { operation: opInfo(op), responses: responseList(negatives) },
    };
  }

  #auth(op: Operation, observations: Observation[]): CheckResult {
    const title = `${opTitle(op)}: auth enforced`;
    const { security, fromConfig, exceptedBy } = this.#run.authOf(op);
    if (security.length === 0)
      return {
        id: 'contract.auth-enforced',
        title,
        verdict: 'skip',
        message: exceptedBy
          ? `the operation is public (contracts.auth.except: '${exceptedBy}')`
          : 'the operation is public (no security requirement)',
        evidence: { operation: opInfo(op) },
      };
    const attempts = observations.filter((o) => o.kind === 'no-credentials' || o.kind === 'bad-credentials');
    const problems = attempts
      .filter((o) => ![401, 403].includes(o.exchange.response?.status ?? 0))
      .map((o) => ({
        o,
        errors: [`answered ${o.exchange.response?.status ?? o.exchange.error?.code}, expected 401 or 403`],
      }));
    if (problems.length > 0)
      return this.#failure('contract.auth-enforced', title, op, attempts.length, problems);
    const schemes = fromConfig
      ? 'credentials, per contracts.auth'
      : security.map((alt) => alt.map((s) => s.name).join('+')).join(' or ');
    return {
      id: 'contract.auth-enforced',
      title,
      verdict: 'pass',
      message: `${attempts.map((o) => `${o.label} → ${o.exchange.response?.status}`).join('; ')} (requires ${schemes})`,
      evidence: { operation: opInfo(op), responses: responseList(attempts) },
    };
  }

  #custom(op: Operation, observations: Observation[]): CheckResult[] {
    const ids = [...new Set(observations.flatMap((o) => o.custom?.map((c) => c.id) ?? []))];
    return ids.map((id) => {
      const title = `${opTitle(op)}: ${id}`;
      const runs = observations.filter((o) => o.custom?.some((c) => c.id === id));
      const problems = runs
        .map((o) => ({ o, errors: o.custom!.find((c) => c.id === id)!.problems }))
        .filter((p) => p.errors.length > 0);
      if (problems.length > 0) return this.#failure(id, title, op, runs.length, problems);
      return {
        id,
        title,
        verdict: 'pass' as const,
        message: `${plural(runs.length, 'response')} passed the custom check`,
        evidence: { operation: opInfo(op) },
      };
    });
  }

  #failure(
    id: string,
    title: string,
    op: Operation,
    total: number,
    problems: { o: Observation; errors: string[] }[],
  ): CheckResult {
    const [{ o, errors }] = problems;
    const status = o.exchange.response?.status ?? o.exchange.error?.code ?? 'no response';
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    const message = `${problems.length} of ${plural(total, 'response')} failed; ${o.label} → ${status}: ${errors[0]}${more}`;
    const others = problems
      .slice(1, MAX_LISTED_FAILURES)
      .map((p) => ({ request: p.o.label, status: p.o.exchange.response?.status, errors: p.errors }));
    return this.#result(
      id,
      title,
      'fail',
      message,
      o.exchange,
      errors,
      { operation: opInfo(op), requestKind: o.kind, requestLabel: o.label, otherFailures: others },
      o.literalHeaders,
    );
  }

  #result(
    id: string,
    title: string,
    verdict: CheckVerdict,
    message: string,
    exchange: HttpExchange,
    errors: string[],
    extra: Record<string, unknown>,
    literalHeaders?: Record<string, string>,
  ): CheckResult {
    const evidence: Evidence = this.#http.evidence(exchange, { ...extra, errors });
    if (literalHeaders && evidence.curl) evidence.curl = withLiteralHeaders(evidence.curl, literalHeaders);
    return { id, title, verdict, message, evidence };
  }
}

const MAX_LINT_RESULTS = 50;

/**
 * A spec-lint finding for the responses that came back with a body the spec documents no `content`
 * for: which ones to document (they are warnings of `contract.content-type` unless strictBodies).
 */
export function undocumentedBodyLint(spec: ApiSpec, run: ContractRun): CheckResult[] {
  const found = new Map<string, { operation: string; status: string; mediaType: string | null }>();
  for (const [op, observations] of run.observations) {
    for (const o of observations) {
      const documented = o.findings?.documented;
      const response = o.exchange.response;
      if (!documented || !response || documented.content?.length || response.body.length === 0) continue;
      const key = `${op.method} ${op.path} ${documented.key}`;
      if (!found.has(key))
        found.set(key, {
          operation: `${op.method} ${op.path}`,
          status: documented.key,
          mediaType: response.headers['content-type'] ?? null,
        });
    }
  }
  if (found.size === 0) return [];
  const listed = [...found.values()];
  const names = listed.map((r) => `${r.operation} → ${r.status}${r.mediaType ? ` (${r.mediaType})` : ''}`);
  return [
    {
      id: 'contract.spec-lint',
      title: `spec lint: responses with a body the spec does not document (${listed.length})`,
      verdict: 'warn',
      message: `document a content (media type and schema) for: ${names.slice(0, MAX_LISTED_FAILURES).join('; ')}${names.length > MAX_LISTED_FAILURES ? `; and ${names.length - MAX_LISTED_FAILURES} more in the evidence` : ''}. Their bodies are not validated until then.`,
      evidence: { rule: 'undocumented-response-body', file: spec.displayFile, responses: listed },
    },
  ];
}

export function lintResults(spec: ApiSpec, findings: readonly LintFinding[]): CheckResult[] {
  if (findings.length === 0) {
    return [
      {
        id: 'contract.spec-lint',
        title: `spec lint: ${spec.displayFile}`,
        verdict: 'pass',
        message: 'no lint findings',
        evidence: { file: spec.displayFile },
      },
    ];
  }
  const results: CheckResult[] = findings.slice(0, MAX_LINT_RESULTS).map((f) => ({
    id: 'contract.spec-lint',
    title: `spec lint: ${f.rule} at ${f.location ?? f.pointer}`,
    verdict: 'warn' as const,
    message: f.message,
    evidence: { rule: f.rule, pointer: f.pointer, location: f.location },
  }));
  const rest = findings.slice(MAX_LINT_RESULTS);
  if (rest.length > 0) {
    results.push({
      id: 'contract.spec-lint',
      title: `spec lint: ${rest.length} more findings`,
      verdict: 'warn',
      message: `${rest.length} more findings, listed in the evidence`,
      evidence: { findings: rest },
    });
  }
  return results;
}

export function opTitle(op: Operation): string {
  return `${op.method} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`;
}

function opInfo(op: Operation) {
  return { operationId: op.operationId, method: op.method, path: op.path };
}

function is4xx(o: Observation): boolean {
  const status = o.exchange.response?.status ?? 0;
  return status >= 400 && status < 500;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function networkProblem(o: Observation): string {
  const { error, timings } = o.exchange;
  if (error?.code === 'TIMEOUT') return `no response within ${Math.round(timings.totalMs)} ms (timed out)`;
  return `no response: ${error?.code} ${error?.message ?? ''}`.trim();
}

function passMessage(check: ResponseCheck, observations: Observation[]): string {
  const answered = observations.filter((o) => o.exchange.response);
  const statuses = statusList(answered);
  if (check === 'no-server-error')
    return `${plural(answered.length, 'response')}, none a 5xx or a timeout (${statuses})`;
  if (check === 'status-documented') return `every status is documented (${statuses})`;
  if (check === 'content-type') {
    const types = [...new Set(answered.map((o) => o.findings?.mediaType).filter(Boolean))];
    return types.length
      ? `every body has a documented media type (${types.join(', ')})`
      : 'no response had a body, and none was documented';
  }
  if (check === 'response-schema') {
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

function statusCounts(observations: readonly Observation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of observations) {
    const key = String(o.exchange.response?.status ?? o.exchange.error?.code ?? 'error');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function statusList(observations: readonly Observation[]): string {
  return Object.entries(statusCounts(observations))
    .map(([status, n]) => (n > 1 ? `${status}×${n}` : status))
    .join(', ');
}

function responseList(observations: readonly Observation[]) {
  return observations.map((o) => ({
    request: `${o.kind}: ${o.label}`,
    status: o.exchange.response?.status ?? o.exchange.error?.code,
  }));
}

function describeParams(o: Observation): string {
  return (o.link?.params ?? []).map((p) => `${p.in} ${p.name}=${p.value}`).join(', ') || 'no parameters';
}

/** Garbage credentials are not secrets: put them in the curl line so it reproduces the request exactly. */
function withLiteralHeaders(curl: string, headers: Record<string, string>): string {
  let out = curl;
  for (const [name, value] of Object.entries(headers)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`"${escaped}: [^"]*"`, 'i'), () => quote(`${name}: ${value}`));
  }
  return out;
}
