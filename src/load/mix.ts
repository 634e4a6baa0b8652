import type { LoadRouteConfig, ResolvedConfig } from '../config/schema.ts';
import { ShakedownError } from '../errors.ts';
import type { ApiSpec } from '../openapi/load.ts';
import { type Operation, type Parameter, pathParameterNames } from '../openapi/operations.ts';
import { getAtPointer, isObject } from '../openapi/pointer.ts';

/** One route of the request mix, ready to send: a concrete path, a JSON-encoded body. */
export interface ResolvedRoute {
  /** The `route` tag of its metrics. */
  name: string;
  method: string;
  /** The path template as configured (or as the spec writes it). */
  template: string;
  /** The concrete path with its query string, relative to the target's base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  weight: number;
  /** The spec operation's key, when there is a spec. */
  operation?: string;
}

export interface RequestMix {
  routes: ResolvedRoute[];
  /** Where the routes came from: `load.routes`, or the spec's GET operations when that is empty. */
  source: 'config' | 'spec';
  /** Spec operations left out of a derived mix, each with why (a path parameter with no example). */
  skipped: string[];
}

/**
 * The request mix of `load` (shared by the load engine and the k6 export): the configured routes with
 * their templates filled, or, when `load.routes` is empty, every GET operation of the spec that can be
 * called without a body. Template values come from `params`, then the spec's examples, defaults and
 * enums. Every problem is reported at once, each with its path in the config (`load.routes[1].path`).
 * Credentials are not part of the mix: each consumer adds `target.auth` its own way.
 */
export function resolveRequestMix(config: ResolvedConfig, spec: ApiSpec | null): RequestMix {
  const problems: string[] = [];
  const configured = config.load.routes;
  if (configured.length === 0) {
    if (!spec)
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        'invalid config, 1 problem:\n  - load.routes: no routes and no OpenAPI document to derive them from; list the routes to load (load.routes: [{ path: "/v1/items" }]) or set target.openapi.',
      );
    // An operation the spec gives no values for is left out (and said so), not a reason to stop.
    const routes: ResolvedRoute[] = [];
    const skipped: string[] = [];
    for (const op of spec.operations.filter((o) => o.method === 'GET')) {
      const own: string[] = [];
      const route = fromOperation(spec, op, own);
      if (route && own.length === 0) routes.push(route);
      else skipped.push(...own);
    }
    if (routes.length === 0)
      fail(
        skipped.length > 0
          ? skipped
          : ['load.routes: the spec has no GET operation to load; list the routes in load.routes.'],
      );
    return { routes, source: 'spec', skipped };
  }
  const routes = configured.map((route, index) => fromConfig(spec, route, `load.routes[${index}]`, problems));
  const names = new Map<string, number>();
  routes.forEach((route, index) => {
    if (!route) return;
    const first = names.get(route.name);
    if (first !== undefined)
      problems.push(
        `load.routes[${index}].name: '${route.name}' is already the name of load.routes[${first}]; give one a distinct name (it is the metrics' route tag).`,
      );
    else names.set(route.name, index);
  });
  if (problems.length > 0) fail(problems);
  return { routes: routes as ResolvedRoute[], source: 'config', skipped: [] };
}

function fail(problems: readonly string[]): never {
  throw new ShakedownError(
    'SHK_CONFIG_INVALID',
    `invalid config, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

function fromConfig(
  spec: ApiSpec | null,
  route: LoadRouteConfig,
  at: string,
  problems: string[],
): ResolvedRoute | null {
  const method = route.method.toUpperCase();
  const [template, query = ''] = route.path.split('?', 2);
  const op = spec ? findOperation(spec, method, template) : undefined;
  if (spec && !op) {
    problems.push(
      `${at}.path: ${method} ${template} is not an operation of ${spec.displayFile}; use a path and method the spec documents (paths: ${spec.operations
        .map((o) => `${o.method} ${o.path}`)
        .slice(0, 12)
        .join(', ')}${spec.operations.length > 12 ? ', …' : ''}).`,
    );
    return null;
  }
  const params = { ...route.params };
  const values: Record<string, string> = {};
  for (const name of pathParameterNames(template)) {
    const given = params[name];
    delete params[name];
    const fromSpec = op
      ? exampleValue(
          spec!,
          op.parameters.find((p) => p.in === 'path' && p.name === name),
        )
      : undefined;
    const value = given ?? fromSpec;
    if (value === undefined) {
      problems.push(
        `${at}.params.${name}: no value for {${name}} in ${template}; set it in params (the spec has no example for it).`,
      );
      continue;
    }
    values[name] = value;
  }
  const search = new URLSearchParams(query);
  for (const [name, value] of Object.entries(params)) search.set(name, value);
  const headers = { ...route.headers };
  let body: string | undefined;
  if (route.body !== undefined) {
    body = typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
    if (typeof route.body !== 'string' && !hasHeader(headers, 'content-type'))
      headers['content-type'] = 'application/json';
  }
  return {
    name: route.name ?? `${method} ${template}`,
    method,
    template,
    path: fillTemplate(template, values) + (search.size > 0 ? `?${search}` : ''),
    headers,
    ...(body !== undefined ? { body } : {}),
    weight: route.weight,
    ...(op ? { operation: op.key } : {}),
  };
}

/** A GET operation with its required parameters from the spec; skipped (null) when one has no value. */
function fromOperation(spec: ApiSpec, op: Operation, problems: string[]): ResolvedRoute | null {
  const values: Record<string, string> = {};
  const search = new URLSearchParams();
  for (const parameter of op.parameters) {
    if (parameter.in !== 'path' && !(parameter.in === 'query' && parameter.required)) continue;
    const value = exampleValue(spec, parameter);
    if (value === undefined) {
      if (parameter.in === 'path')
        problems.push(
          `load.routes: ${op.method} ${op.path} is left out of the mix derived from the spec: no example for {${parameter.name}} (list it in load.routes with params to load it).`,
        );
      return null;
    }
    if (parameter.in === 'path') values[parameter.name] = value;
    else search.set(parameter.name, value);
  }
  return {
    name: `${op.method} ${op.path}`,
    method: op.method,
    template: op.path,
    path: `${spec.basePath}${fillTemplate(op.path, values)}${search.size > 0 ? `?${search}` : ''}`,
    headers: {},
    weight: 1,
    operation: op.key,
  };
}

function findOperation(spec: ApiSpec, method: string, template: string): Operation | undefined {
  const shape = (p: string) => p.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '');
  const bare =
    spec.basePath && template.startsWith(spec.basePath) ? template.slice(spec.basePath.length) : template;
  const candidates = spec.operations.filter((op) => op.method === method);
  return (
    candidates.find((op) => shape(op.path) === shape(bare)) ??
    candidates.find((op) => !bare.includes('{') && op.pathPattern.test(bare))
  );
}

/** The parameter's first example, else its schema's example, default or first enum value. */
function exampleValue(spec: ApiSpec, parameter: Parameter | undefined): string | undefined {
  if (!parameter) return undefined;
  const example = parameter.examples[0]?.value;
  if (example !== undefined && example !== null) return String(example);
  const schema = parameter.schemaPointer ? getAtPointer(spec.document, parameter.schemaPointer) : undefined;
  if (!isObject(schema)) return undefined;
  if (schema.example !== undefined) return String(schema.example);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return String(schema.examples[0]);
  if (schema.default !== undefined) return String(schema.default);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return String(schema.enum[0]);
  return undefined;
}

function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : encodeURIComponent(values[name]),
  );
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * The mix as a repeating sequence of route indexes, weights rounded to small integers and interleaved
 * (weights 3:1 → 0,1,0,0), so every stretch of requests has the configured shares.
 */
export function weightedSequence(
  routes: readonly Pick<ResolvedRoute, 'weight'>[],
  maxLength = 100,
): number[] {
  const total = routes.reduce((sum, r) => sum + r.weight, 0);
  const counts = routes.map((r) => Math.max(1, Math.round((r.weight / total) * maxLength)));
  const divisor = counts.reduce(gcd);
  const slots = counts.map((c) => c / divisor);
  const length = slots.reduce((a, b) => a + b, 0);
  const sequence: number[] = [];
  const credit = slots.map(() => 0);
  for (let i = 0; i < length; i += 1) {
    let best = 0;
    for (let r = 0; r < slots.length; r += 1) {
      credit[r] += slots[r];
      if (credit[r] > credit[best]) best = r;
    }
    credit[best] -= length;
    sequence.push(best);
  }
  return sequence;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
