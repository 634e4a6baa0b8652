import type { EngineContext } from '../engine-context.ts';
import type { HttpExchange, HttpRequestOptions } from '../http/client.ts';
import { recordBranches } from '../openapi/branches.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { LinkSpec, Operation, Parameter } from '../openapi/operations.ts';
import { checkResponse, type ResponseFindings } from '../openapi/response.ts';
import { type AuthRequirement, authRequirement } from './auth.ts';
import { garbageCredentials, stripCredentials, withCredential } from './credentials.ts';
import { positiveRequests } from './generate.ts';
import type { ContractHookContext, ContractHookRegistry, OperationHookSet } from './hooks.ts';
import { bindLink, type LinkBinding, linkTarget } from './links.ts';
import { negativeRequests } from './negative.ts';
import { SeededRandom } from './random.ts';
import {
  type ContractRequest,
  cloneRequest,
  type RequestKind,
  requestPath,
  toHttpOptions,
} from './request.ts';
import { ValuePool } from './values.ts';

/** One request the engine sent and what came back. */
export interface Observation {
  op: Operation;
  kind: RequestKind;
  label: string;
  exchange: HttpExchange;
  findings?: ResponseFindings;
  /** Headers whose literal value belongs in the curl line (garbage credentials are not secrets). */
  literalHeaders?: Record<string, string>;
  link?: LinkBinding;
  custom?: { id: string; problems: string[] }[];
}

export interface LinkProblem {
  source: Operation;
  link: LinkSpec;
  problem: string;
  observation: Observation;
}

/** An undocumented method sent to a documented path. */
export interface MethodProbe {
  path: string;
  method: string;
  documented: string[];
  /** Whether any operation of the path documents a 405. */
  documents405: boolean;
  exchange: HttpExchange;
}

const MAX_EXAMPLES = 2;
const PROBE_METHODS = ['PATCH', 'PUT', 'DELETE', 'POST'];

/**
 * The requests of one contract run and everything observed: positive requests (examples, then
 * schema samples, with ids from links and earlier responses), requests without and with garbage
 * credentials, negative requests, a request for a resource that does not exist, link calls, and an
 * undocumented method per path.
 */
export class ContractRun {
  readonly observations = new Map<Operation, Observation[]>();
  readonly skipped = new Map<Operation, string>();
  readonly linkProblems: LinkProblem[] = [];
  readonly methodProbes: MethodProbe[] = [];
  readonly branches = new Map<string, Set<string>>();
  readonly #ctx: EngineContext;
  readonly #spec: ApiSpec;
  readonly #hooks: ContractHookRegistry;
  readonly #pool = new ValuePool();
  readonly #rng: SeededRandom;
  readonly #pending = new Map<Operation, LinkBinding[]>();
  readonly #bound = new Set<string>();

  constructor(ctx: EngineContext, spec: ApiSpec, hooks: ContractHookRegistry) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.#hooks = hooks;
    this.#rng = new SeededRandom(ctx.config.contracts.seed);
  }

  get #basePath(): string {
    const base = this.#spec.basePath;
    return base && new URL(this.#ctx.http.baseUrl).pathname.replace(/\/$/, '').endsWith(base) ? '' : base;
  }

  async exercise(op: Operation): Promise<void> {
    const hooks = this.#hooks.for(op);
    if (hooks.skip) {
      this.skipped.set(op, hooks.skip);
      return;
    }
    const positives = positiveRequests(this.#spec, op, this.#pool, MAX_EXAMPLES);
    const first = positives[0].request;
    if (this.authOf(op).security.length > 0) {
      await this.#send(op, hooks, 'no-credentials', 'without credentials', first);
      await this.#send(op, hooks, 'bad-credentials', 'with a garbage credential', first);
    }
    for (const negative of negativeRequests(this.#spec, op, first))
      await this.#send(op, hooks, 'negative', negative.label, negative.request);
    const bindings = this.#takeBindings(op);
    if (bindings.length > 0) {
      for (const binding of bindings) await this.#sendLink(op, hooks, binding, first);
      for (const positive of positives.slice(1))
        await this.#send(op, hooks, 'positive', positive.label, applyBinding(positive.request, bindings[0]));
    } else {
      for (const positive of positives)
        await this.#send(op, hooks, 'positive', positive.label, positive.request);
    }
    const unknown = this.#unknownResource(op, first);
    if (unknown) await this.#send(op, hooks, 'unknown-resource', 'a resource that does not exist', unknown);
  }

  /** The security the operation must enforce: the spec's, or `contracts.auth`'s when it has none. */
  authOf(op: Operation): AuthRequirement {
    return authRequirement(op, this.#ctx.config);
  }

  /** Link calls whose source answered after their target ran (or whose target runs no more). */
  async flushLinks(): Promise<void> {
    for (const [op, bindings] of this.#pending) {
      if (this.skipped.has(op)) continue;
      const hooks = this.#hooks.for(op);
      const base = positiveRequests(this.#spec, op, this.#pool, 1)[0].request;
      for (const binding of bindings) await this.#sendLink(op, hooks, binding, base);
    }
    this.#pending.clear();
  }

  /** One undocumented method per documented path: the target should answer 405. */
  async probeMethods(): Promise<void> {
    const byPath = new Map<string, Operation[]>();
    for (const op of this.#spec.operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
    for (const [path, ops] of byPath) {
      if (this.#ctx.signal.aborted || this.#ctx.targetLost.aborted) return;
      const documented = ops.map((op) => op.method);
      const method = PROBE_METHODS.find((m) => !documented.includes(m));
      if (!method) continue;
      const request = positiveRequests(this.#spec, ops[0], this.#pool, 1)[0].request;
      const exchange = await this.#ctx.http.request({
        method,
        path: requestPath(ops[0], { ...request, query: {} }, this.#basePath),
        timeoutMs: this.#ctx.config.contracts.timeoutMs,
      });
      const documents405 = ops.some((op) => op.responses.some((r) => r.key === '405'));
      this.methodProbes.push({ path, method, documented, documents405, exchange });
    }
  }

  #takeBindings(op: Operation): LinkBinding[] {
    const bindings = this.#pending.get(op) ?? [];
    this.#pending.delete(op);
    return bindings;
  }

  async #sendLink(op: Operation, hooks: OperationHookSet, binding: LinkBinding, base: ContractRequest) {
    const label = `link ${binding.link.name} from ${binding.source.key}`;
    await this.#send(op, hooks, 'link', label, applyBinding(base, binding), binding);
  }

  async #send(
    op: Operation,
    hooks: OperationHookSet,
    kind: RequestKind,
    label: string,
    request: ContractRequest,
    link?: LinkBinding,
  ): Promise<void> {
    if (this.#ctx.signal.aborted || this.#ctx.targetLost.aborted) return;
    const hookCtx = this.#hookContext(op, kind, label);
    let prepared = cloneRequest(request);
    for (const before of hooks.before) prepared = (await before(prepared, hookCtx)) ?? prepared;
    const { options, literalHeaders } = this.#options(op, kind, prepared);
    const exchange = await this.#ctx.http.request(options);
    const observation: Observation = { op, kind, label, exchange, literalHeaders, link };
    const response = exchange.response;
    if (response) {
      observation.findings = checkResponse(
        this.#spec,
        op,
        {
          status: response.status,
          headers: response.headers,
          body: response.body,
          truncated: response.bodyTruncated,
        },
        {
          extraStatuses: this.#expectedStatuses(op, kind, hooks),
          method: options.method,
          strictBodies: this.#ctx.config.contracts.strictBodies,
        },
      );
      if (response.status < 400 && (kind === 'positive' || kind === 'link')) {
        await this.#learn(op, prepared, observation, hooks, hookCtx);
      }
    }
    this.observations.set(op, [...(this.observations.get(op) ?? []), observation]);
  }

  /** A 401/403 to a request without valid credentials is expected when only the config declares auth. */
  #expectedStatuses(
    op: Operation,
    kind: RequestKind,
    hooks: OperationHookSet,
  ): readonly number[] | undefined {
    const credentialless = kind === 'no-credentials' || kind === 'bad-credentials';
    if (!credentialless || !this.authOf(op).fromConfig) return hooks.expectStatuses;
    return [...(hooks.expectStatuses ?? []), 401, 403];
  }

  #options(op: Operation, kind: RequestKind, request: ContractRequest) {
    const options: HttpRequestOptions = toHttpOptions(
      op,
      request,
      this.#basePath,
      this.#ctx.config.contracts.timeoutMs,
    );
    if (kind !== 'no-credentials' && kind !== 'bad-credentials') return { options };
    const { security } = this.authOf(op);
    const stripped = stripCredentials(options, security.flat());
    if (kind === 'no-credentials') return { options: stripped };
    const credential = garbageCredentials(security[0][0], this.#rng);
    const literalHeaders = credential.in === 'header' ? { [credential.name]: credential.value } : undefined;
    return { options: withCredential(stripped, credential), literalHeaders };
  }

  async #learn(
    op: Operation,
    request: ContractRequest,
    observation: Observation,
    hooks: OperationHookSet,
    hookCtx: ContractHookContext,
  ) {
    const { findings, exchange } = observation;
    const response = exchange.response!;
    this.#pool.learn(op, request.body, findings?.json);
    const media = findings?.documented?.content?.find((c) => c.mediaType === findings.mediaType);
    if (media?.schemaPointer && findings?.json !== undefined && !findings.failures['response-schema'])
      recordBranches(this.#spec.validator, media.schemaPointer, findings.json, this.branches);
    for (const link of findings?.documented?.links ?? []) this.#bind(op, link, request, observation);
    if (hooks.checks.length === 0) return;
    const body = findings?.json ?? response.text();
    observation.custom = [];
    for (const check of hooks.checks) {
      let problems: string[];
      try {
        const result = await check.run({ status: response.status, headers: response.headers, body }, hookCtx);
        problems = result === undefined ? [] : typeof result === 'string' ? [result] : [...result];
      } catch (error) {
        problems = [(error as Error).message];
      }
      observation.custom.push({ id: check.id, problems });
    }
  }

  /**
   * Binds a link from a source response. The first response binds it; for a DELETE target each later
   * one rebinds it, so the DELETE removes the last resource created and the others stay for repros.
   */
  #bind(source: Operation, link: LinkSpec, request: ContractRequest, observation: Observation): void {
    const target = linkTarget(this.#spec.operations, link);
    const key = `${source.key}:${link.name}`;
    if (this.#bound.has(key) && target?.method !== 'DELETE') return;
    this.#bound.add(key);
    if (!target) {
      this.linkProblems.push({
        source,
        link,
        observation,
        problem: `the link points to no operation of the spec (${link.operationId ?? link.operationRef})`,
      });
      return;
    }
    const response = observation.exchange.response!;
    const result = bindLink(link, source, target, {
      url: observation.exchange.request.url,
      request,
      status: response.status,
      headers: response.headers,
      json: observation.findings?.json,
    });
    if ('error' in result) {
      this.linkProblems.push({ source, link, observation, problem: result.error });
      return;
    }
    const others = (this.#pending.get(target) ?? []).filter((b) => b.link !== link || b.source !== source);
    this.#pending.set(target, [...others, result.binding]);
  }

  /** The first request again, its path parameters replaced by valid values nothing was created under. */
  #unknownResource(op: Operation, base: ContractRequest): ContractRequest | undefined {
    const params = op.parameters.filter((p) => p.in === 'path');
    if (params.length === 0) return undefined;
    const request = cloneRequest(base);
    for (const param of params) {
      const value = this.#unusedValue(param);
      if (value === undefined) return undefined;
      request.pathParams[param.name] = value;
    }
    return request;
  }

  #unusedValue(param: Parameter): string | undefined {
    const candidates: unknown[] = [
      this.#rng.uuid(),
      `shakedown-${this.#rng.hex(12)}`,
      900_000_000 + Math.floor(this.#rng.next() * 1e6),
    ];
    const pointer = param.schemaPointer;
    const valid = pointer
      ? candidates.find((c) => this.#spec.validator.isValid('request', pointer, c))
      : candidates[1];
    return valid === undefined ? undefined : String(valid);
  }

  #hookContext(op: Operation, kind: RequestKind, label: string): ContractHookContext {
    return {
      operation: { operationId: op.operationId, method: op.method, path: op.path },
      kind,
      label,
      secrets: this.#ctx.config.secrets,
      http: this.#ctx.http,
    };
  }
}

function applyBinding(request: ContractRequest, binding: LinkBinding): ContractRequest {
  const next = cloneRequest(request);
  for (const param of binding.params) {
    if (param.in === 'path') next.pathParams[param.name] = param.value;
    else if (param.in === 'query') next.query[param.name] = param.value;
    else if (param.in === 'header') next.headers[param.name] = param.value;
    else next.cookies[param.name] = param.value;
  }
  if (binding.body !== undefined) next.body = binding.body;
  return next;
}
