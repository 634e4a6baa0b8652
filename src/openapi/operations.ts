// Over 350 lines because reading an operation (parameters, bodies, responses, links, security, $ref resolution) is one walk of the OpenAPI document.
import type { ShakedownError } from '../errors.ts';
import { getAtPointer, isObject, joinPointer, refToPointer } from './pointer.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface NamedExample {
  name: string;
  value: unknown;
  pointer: string;
}

export interface Parameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  pointer: string;
  /** Pointer of the parameter's schema (or of its single `content` media type's schema). */
  schemaPointer?: string;
  style: string;
  explode: boolean;
  examples: NamedExample[];
}

export interface MediaTypeSpec {
  mediaType: string;
  pointer: string;
  schemaPointer?: string;
  examples: NamedExample[];
}

export interface HeaderSpec {
  name: string;
  required: boolean;
  pointer: string;
  schemaPointer?: string;
  style: string;
  explode: boolean;
  /** Set when the header is described by `content` instead of `schema`. */
  mediaType?: string;
}

export interface LinkSpec {
  name: string;
  pointer: string;
  operationId?: string;
  operationRef?: string;
  parameters: Record<string, unknown>;
  requestBody?: unknown;
}

export interface ResponseSpec {
  /** `200`, `2XX` or `default`. */
  key: string;
  pointer: string;
  /** Undefined when the response documents no body at all. */
  content?: MediaTypeSpec[];
  headers: HeaderSpec[];
  links: LinkSpec[];
}

export interface RequestBodySpec {
  required: boolean;
  pointer: string;
  content: MediaTypeSpec[];
}

export interface SecurityScheme {
  name: string;
  type: string;
  /** `bearer`, `basic` for type http. */
  scheme?: string;
  in?: string;
  /** Header, query or cookie name for type apiKey. */
  paramName?: string;
}

export interface Operation {
  /** operationId, or `METHOD /path` when the spec has none. */
  key: string;
  operationId?: string;
  /** Upper case. */
  method: string;
  /** The path template as written in the spec. */
  path: string;
  pointer: string;
  parameters: Parameter[];
  requestBody?: RequestBodySpec;
  responses: ResponseSpec[];
  /** Alternatives from the effective `security`; empty when the operation is public. */
  security: SecurityScheme[][];
  deprecated: boolean;
  pathPattern: RegExp;
}

type Fail = (pointer: string, problem: string) => ShakedownError;

/** Every operation of the document, with `$ref`s of parameters, bodies, responses and headers followed. */
export function readOperations(document: Record<string, unknown>, fail: Fail): Operation[] {
  const operations: Operation[] = [];
  const ids = new Map<string, string>();
  for (const [template, rawItem] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    const itemPointer = joinPointer('/paths', template);
    const item = resolve(document, rawItem, itemPointer);
    if (!isObject(item.value)) continue;
    const shared = isObject(item.value) && Array.isArray(item.value.parameters) ? item.value.parameters : [];
    for (const method of HTTP_METHODS) {
      const raw = item.value[method];
      if (!isObject(raw)) continue;
      const pointer = joinPointer(item.pointer, method);
      const op = readOperation(
        document,
        template,
        method,
        raw,
        pointer,
        shared,
        joinPointer(item.pointer, 'parameters'),
      );
      checkPathParameters(op, fail);
      if (op.operationId) {
        const previous = ids.get(op.operationId);
        if (previous) throw fail(`${pointer}/operationId`, `duplicates the operationId of ${previous}`);
        ids.set(op.operationId, `${op.method} ${op.path}`);
      }
      operations.push(op);
    }
  }
  return operations;
}

function readOperation(
  document: Record<string, unknown>,
  template: string,
  method: string,
  raw: Record<string, unknown>,
  pointer: string,
  shared: unknown[],
  sharedPointer: string,
): Operation {
  const own = Array.isArray(raw.parameters) ? raw.parameters : [];
  const parameters = new Map<string, Parameter>();
  for (const [i, p] of shared.entries()) addParameter(parameters, document, p, joinPointer(sharedPointer, i));
  for (const [i, p] of own.entries())
    addParameter(parameters, document, p, joinPointer(pointer, 'parameters', i));
  const operationId = typeof raw.operationId === 'string' ? raw.operationId : undefined;
  return {
    key: operationId ?? `${method.toUpperCase()} ${template}`,
    operationId,
    method: method.toUpperCase(),
    path: template,
    pointer,
    parameters: [...parameters.values()],
    requestBody: readRequestBody(document, raw.requestBody, joinPointer(pointer, 'requestBody')),
    responses: readResponses(document, raw.responses, joinPointer(pointer, 'responses')),
    security: readSecurity(document, raw.security ?? document.security),
    deprecated: raw.deprecated === true,
    pathPattern: pathPattern(template),
  };
}

/** Follows `$ref`s of non-schema objects (parameters, responses, headers, examples) to the value. */
export function resolve(
  document: unknown,
  node: unknown,
  pointer: string,
): { value: unknown; pointer: string } {
  let value = node;
  let at = pointer;
  for (let hops = 0; isObject(value) && typeof value.$ref === 'string' && hops < 16; hops++) {
    const target = refToPointer(value.$ref);
    if (target === undefined) break;
    at = target;
    value = getAtPointer(document, target);
  }
  return { value, pointer: at };
}

function addParameter(
  into: Map<string, Parameter>,
  document: unknown,
  raw: unknown,
  rawPointer: string,
): void {
  const { value, pointer } = resolve(document, raw, rawPointer);
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.in !== 'string') return;
  const location = value.in as ParameterLocation;
  const media = firstMediaType(value.content, joinPointer(pointer, 'content'));
  const defaultStyle = location === 'query' || location === 'cookie' ? 'form' : 'simple';
  const style = typeof value.style === 'string' ? value.style : defaultStyle;
  into.set(`${location}:${value.name}`, {
    name: value.name,
    in: location,
    required: value.required === true || location === 'path',
    pointer,
    schemaPointer: isObject(value.schema) ? joinPointer(pointer, 'schema') : media?.schemaPointer,
    style,
    explode: typeof value.explode === 'boolean' ? value.explode : style === 'form',
    examples: readExamples(document, value, pointer),
  });
}

function firstMediaType(
  content: unknown,
  pointer: string,
): { mediaType: string; schemaPointer?: string } | undefined {
  if (!isObject(content)) return undefined;
  const [mediaType, entry] = Object.entries(content)[0] ?? [];
  if (mediaType === undefined) return undefined;
  const at = joinPointer(pointer, mediaType);
  return {
    mediaType,
    schemaPointer: isObject(entry) && isObject(entry.schema) ? joinPointer(at, 'schema') : undefined,
  };
}

/** `example`, then named `examples` (refs followed, `externalValue` skipped). */
function readExamples(document: unknown, holder: Record<string, unknown>, pointer: string): NamedExample[] {
  const examples: NamedExample[] = [];
  if (holder.example !== undefined)
    examples.push({ name: 'example', value: holder.example, pointer: joinPointer(pointer, 'example') });
  if (isObject(holder.examples)) {
    for (const [name, raw] of Object.entries(holder.examples)) {
      const at = joinPointer(pointer, 'examples', name);
      const { value } = resolve(document, raw, at);
      if (isObject(value) && 'value' in value) examples.push({ name, value: value.value, pointer: at });
    }
  }
  return examples;
}

function readContent(document: unknown, content: unknown, pointer: string): MediaTypeSpec[] {
  if (!isObject(content)) return [];
  return Object.entries(content).map(([mediaType, raw]) => {
    const at = joinPointer(pointer, mediaType);
    const entry = isObject(raw) ? raw : {};
    return {
      mediaType,
      pointer: at,
      schemaPointer:
        isObject(entry.schema) || typeof entry.schema === 'boolean' ? joinPointer(at, 'schema') : undefined,
      examples: readExamples(document, entry, at),
    };
  });
}

function readRequestBody(document: unknown, raw: unknown, rawPointer: string): RequestBodySpec | undefined {
  if (raw === undefined) return undefined;
  const { value, pointer } = resolve(document, raw, rawPointer);
  if (!isObject(value)) return undefined;
  return {
    required: value.required === true,
    pointer,
    content: readContent(document, value.content, joinPointer(pointer, 'content')),
  };
}

function readResponses(document: unknown, raw: unknown, pointer: string): ResponseSpec[] {
  if (!isObject(raw)) return [];
  return Object.entries(raw)
    .filter(([key]) => !key.startsWith('x-'))
    .map(([key, entry]) => {
      const { value, pointer: at } = resolve(document, entry, joinPointer(pointer, key));
      const response = isObject(value) ? value : {};
      return {
        key,
        pointer: at,
        content: isObject(response.content)
          ? readContent(document, response.content, joinPointer(at, 'content'))
          : undefined,
        headers: readHeaders(document, response.headers, joinPointer(at, 'headers')),
        links: readLinks(document, response.links, joinPointer(at, 'links')),
      };
    });
}

function readHeaders(document: unknown, raw: unknown, pointer: string): HeaderSpec[] {
  if (!isObject(raw)) return [];
  const headers: HeaderSpec[] = [];
  for (const [name, entry] of Object.entries(raw)) {
    // "If a response header is defined with the name Content-Type, it SHALL be ignored."
    if (name.toLowerCase() === 'content-type') continue;
    const { value, pointer: at } = resolve(document, entry, joinPointer(pointer, name));
    if (!isObject(value)) continue;
    const media = firstMediaType(value.content, joinPointer(at, 'content'));
    headers.push({
      name,
      required: value.required === true,
      pointer: at,
      schemaPointer: isObject(value.schema) ? joinPointer(at, 'schema') : media?.schemaPointer,
      style: typeof value.style === 'string' ? value.style : 'simple',
      explode: value.explode === true,
      mediaType: media?.mediaType,
    });
  }
  return headers;
}

function readLinks(document: unknown, raw: unknown, pointer: string): LinkSpec[] {
  if (!isObject(raw)) return [];
  const links: LinkSpec[] = [];
  for (const [name, entry] of Object.entries(raw)) {
    const { value, pointer: at } = resolve(document, entry, joinPointer(pointer, name));
    if (!isObject(value)) continue;
    links.push({
      name,
      pointer: at,
      operationId: typeof value.operationId === 'string' ? value.operationId : undefined,
      operationRef: typeof value.operationRef === 'string' ? value.operationRef : undefined,
      parameters: isObject(value.parameters) ? value.parameters : {},
      requestBody: value.requestBody,
    });
  }
  return links;
}

function readSecurity(document: Record<string, unknown>, raw: unknown): SecurityScheme[][] {
  if (!Array.isArray(raw)) return [];
  // An empty requirement `{}` makes credentials optional: the operation is public.
  if (raw.some((requirement) => isObject(requirement) && Object.keys(requirement).length === 0)) return [];
  const components = isObject(document.components) ? document.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  return raw.filter(isObject).map((requirement) =>
    Object.keys(requirement).map((name) => {
      const { value } = resolve(document, schemes[name], joinPointer('/components/securitySchemes', name));
      const scheme = isObject(value) ? value : {};
      return {
        name,
        type: String(scheme.type ?? 'unknown'),
        scheme: typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : undefined,
        in: typeof scheme.in === 'string' ? scheme.in : undefined,
        paramName: typeof scheme.name === 'string' ? scheme.name : undefined,
      };
    }),
  );
}

function checkPathParameters(op: Operation, fail: Fail): void {
  const declared = new Set(op.parameters.filter((p) => p.in === 'path').map((p) => p.name));
  for (const name of pathParameterNames(op.path)) {
    if (!declared.has(name))
      throw fail(
        op.pointer,
        `has no path parameter "${name}" for the template ${op.path}; declare it under parameters`,
      );
  }
}

export function pathParameterNames(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

/** `/v1/sessions/{id}` → `^/v1/sessions/([^/]+)$`, parameters captured in template order. */
export function pathPattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

/** The path prefix of the first server (`https://api.example.com/v2` → `/v2`), variables at their defaults. */
export function serverBasePath(document: Record<string, unknown>): string {
  const server = Array.isArray(document.servers) ? document.servers[0] : undefined;
  if (!isObject(server) || typeof server.url !== 'string') return '';
  const variables = isObject(server.variables) ? server.variables : {};
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === 'string' ? variable.default : '';
  });
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // A relative server URL is the path itself.
  }
  return pathname.replace(/\/+$/, '');
}

/** The documented response for a status: exact code, then `2XX`-style range, then `default`. */
export function selectResponse(op: Operation, status: number): ResponseSpec | undefined {
  const code = String(status);
  return (
    op.responses.find((r) => r.key === code) ??
    op.responses.find((r) => r.key.toUpperCase() === `${code[0]}XX`) ??
    op.responses.find((r) => r.key === 'default')
  );
}

/** Finds the operation a concrete request path and method belong to (literal segments win over templates). */
export function matchOperation(operations: readonly Operation[], method: string, requestPath: string) {
  const upper = method.toUpperCase();
  let best: { op: Operation; params: Record<string, string>; literal: number } | undefined;
  for (const op of operations) {
    if (op.method !== upper) continue;
    const match = op.pathPattern.exec(requestPath);
    if (!match) continue;
    const names = pathParameterNames(op.path);
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
    const literal = op.path.replace(/\{[^}]+\}/g, '').length;
    if (!best || literal > best.literal) best = { op, params, literal };
  }
  return best && { op: best.op, params: best.params };
}
