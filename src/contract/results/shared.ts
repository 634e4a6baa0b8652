import type { HttpClient, HttpExchange } from '../../http/client.ts';
import { quote } from '../../http/curl.ts';
import type { ApiSpec } from '../../openapi/load.ts';
import type { Operation } from '../../openapi/operations.ts';
import type { Evidence } from '../../run/model.ts';
import type { ContractRun, Observation } from '../run.ts';

/** What every contract check family reads: the spec, what the run observed, and how to show an exchange. */
export interface ResultContext {
  readonly spec: ApiSpec;
  readonly http: HttpClient;
  readonly run: ContractRun;
  /** Why operations without observations were never sent (the run was interrupted), if it stopped early. */
  readonly stoppedEarly: string | undefined;
}

/** The responses one check found wrong, each with its errors. */
export interface Problem {
  o: Observation;
  errors: string[];
}

/** A verdict's message and evidence, before the check (or a user's custom check id) is named. */
export interface Judged {
  message: string;
  evidence: Evidence;
}

export const MAX_LISTED_FAILURES = 10;

/** The exchange as evidence (request, response, curl repro) with the errors and what else the check adds. */
export function exchangeEvidence(
  http: HttpClient,
  exchange: HttpExchange,
  errors: string[],
  extra: Record<string, unknown>,
  literalHeaders?: Record<string, string>,
): Evidence {
  const evidence: Evidence = http.evidence(exchange, { ...extra, errors });
  if (literalHeaders && evidence.curl) evidence.curl = withLiteralHeaders(evidence.curl, literalHeaders);
  return evidence;
}

/** A failure over `total` responses: the first problem in the message and the evidence, the others listed. */
export function failure(http: HttpClient, op: Operation, total: number, problems: Problem[]): Judged {
  const [{ o, errors }] = problems;
  const status = o.exchange.response?.status ?? o.exchange.error?.code ?? 'no response';
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  const message = `${problems.length} of ${plural(total, 'response')} failed; ${o.label} → ${status}: ${errors[0]}${more}`;
  const others = problems
    .slice(1, MAX_LISTED_FAILURES)
    .map((p) => ({ request: p.o.label, status: p.o.exchange.response?.status, errors: p.errors }));
  return {
    message,
    evidence: exchangeEvidence(
      http,
      o.exchange,
      errors,
      { operation: opInfo(op), requestKind: o.kind, requestLabel: o.label, otherFailures: others },
      o.literalHeaders,
    ),
  };
}

export function opTitle(op: Operation): string {
  return `${op.method} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`;
}

export function opInfo(op: Operation) {
  return { operationId: op.operationId, method: op.method, path: op.path };
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function statusCounts(observations: readonly Observation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of observations) {
    const key = String(o.exchange.response?.status ?? o.exchange.error?.code ?? 'error');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function statusList(observations: readonly Observation[]): string {
  return Object.entries(statusCounts(observations))
    .map(([status, n]) => (n > 1 ? `${status}×${n}` : status))
    .join(', ');
}

export function responseList(observations: readonly Observation[]) {
  return observations.map((o) => ({
    request: `${o.kind}: ${o.label}`,
    status: o.exchange.response?.status ?? o.exchange.error?.code,
  }));
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
