import { baseRequest } from '../contract/generate.ts';
import { ValuePool } from '../contract/values.ts';
import { ShakedownError } from '../errors.ts';
import type { ThresholdEntry } from '../metrics/threshold-set.ts';
import type { ApiSpec } from '../openapi/load.ts';

/**
 * The `load` config section as the k6 export reads it. Fields the schema does not have yet read as
 * their documented defaults, so the export works with the section before and after the load engine's
 * additions.
 */
export interface LoadSection {
  durationSec: number;
  requests?: number;
  connections: number;
  pipelining: number;
  ratePerSec?: number;
  stages?: { durationSec: number; ratePerSec: number }[];
  maxInFlight: number;
  windowSec: number;
  warmupSec: number;
  thresholds: Record<string, ThresholdEntry[]>;
  routes: RouteConfig[];
}

export interface RouteConfig {
  name?: string;
  method?: string;
  path: string;
  params?: Record<string, string>;
  body?: string | object;
  headers?: Record<string, string>;
  weight?: number;
}

/** One entry of the request mix, ready to send: the path filled in, the body encoded. */
export interface MixRoute {
  /** The `route` tag: `GET /v1/sessions/{id}` by default. */
  name: string;
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
  weight: number;
}

export function loadSection(load: unknown): LoadSection {
  const l = (load ?? {}) as Partial<LoadSection>;
  return {
    durationSec: l.durationSec ?? 30,
    requests: l.requests,
    connections: l.connections ?? 10,
    pipelining: l.pipelining ?? 1,
    ratePerSec: l.ratePerSec,
    stages: l.stages && l.stages.length > 0 ? l.stages : undefined,
    maxInFlight: l.maxInFlight ?? 1000,
    windowSec: l.windowSec ?? 5,
    warmupSec: l.warmupSec ?? 0,
    thresholds: l.thresholds ?? {},
    routes: l.routes ?? [],
  };
}

/**
 * The request mix: `load.routes`, or, when there are none, every GET operation of the spec that needs
 * no parameter. Template values come from the route's `params`, else from the spec's examples and
 * schemas. (The load engine resolves its mix the same way; the two are to share one resolver.)
 */
export function resolveRequestMix(load: LoadSection, spec: ApiSpec | null): MixRoute[] {
  if (load.routes.length > 0) return load.routes.map((route, index) => fromConfig(route, index, spec));
  if (!spec) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      'load.routes is empty and there is no OpenAPI document to derive the request mix from: add load.routes ([{ path: "/v1/items" }]) or set target.openapi.',
    );
  }
  const routes = spec.operations
    .filter((op) => op.method === 'GET' && !op.parameters.some((p) => p.required))
    .map((op) => ({
      name: `GET ${op.path}`,
      method: 'GET',
      path: spec.basePath + op.path,
      headers: {},
      weight: 1,
    }));
  if (routes.length === 0) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `${spec.displayFile} has no GET operation without required parameters to derive the request mix from: add load.routes.`,
    );
  }
  return routes;
}

function fromConfig(route: RouteConfig, index: number, spec: ApiSpec | null): MixRoute {
  const method = (route.method ?? 'GET').toUpperCase();
  const op = spec?.operations.find((o) => o.method === method && o.path === route.path);
  const fromSpec = spec && op ? baseRequest(spec, op, new ValuePool()).pathParams : {};
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = route.params?.[name] ?? fromSpec[name];
    if (value === undefined) {
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        `load.routes[${index}].params.${name}: ${route.path} needs a value for {${name}} and the spec has no example for it; set it in params.`,
      );
    }
    return encodeURIComponent(value);
  });
  const body =
    route.body === undefined || typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
  const headers = { ...route.headers };
  if (typeof route.body === 'object' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return {
    name: route.name ?? `${method} ${route.path}`,
    method,
    path: (op && spec ? spec.basePath : '') + path,
    ...(body === undefined ? {} : { body }),
    headers,
    weight: route.weight ?? 1,
  };
}
