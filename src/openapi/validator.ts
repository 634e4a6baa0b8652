// Over 350 lines because the 3.0/3.1 schema normalisation and the ajv instance it feeds must agree keyword by keyword.
import type { Ajv, AnySchemaObject, ErrorObject, Options, ValidateFunction } from 'ajv';
import { Ajv as AjvDraft7 } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ShakedownError } from '../errors.ts';
import { addOpenApiFormats, isKnownFormat } from './formats.ts';
import { issueFromError, preview, type ValidationIssue } from './issues.ts';
import {
  DISCRIMINATOR_KEYWORD,
  type Direction,
  type DiscriminatorRule,
  type NormalizedDocument,
  normalizeDocument,
  type SpecVersion,
  WRITE_ONLY_KEYWORD,
} from './normalize.ts';
import {
  escapeSegment,
  getAtPointer,
  isObject,
  pointerToFragment,
  refToPointer,
  splitPointer,
} from './pointer.ts';
import { forEachSubschema } from './schema-walk.ts';
import type { SourceMap } from './source-map.ts';

export type SchemaDialect = 'draft-07' | '2019-09' | '2020-12';

export interface ValidatorSource {
  bundled: Record<string, unknown>;
  version: SpecVersion;
  dialect: SchemaDialect;
  sourceMap: SourceMap;
  /** For messages: the spec's file as shown to the user. */
  file: string;
}

interface DirectionState extends NormalizedDocument {
  direction: Direction;
  ajv: Ajv;
  compiled: Map<string, ValidateFunction>;
  members: WeakMap<object, Set<unknown>>;
  unknownFormats: Set<string>;
}

type KeywordFunction = {
  (schema: unknown, data: unknown, parentSchema?: AnySchemaObject): boolean;
  errors?: Partial<ErrorObject>[];
};

const NO_ISSUES: readonly ValidationIssue[] = Object.freeze([]);
const MAX_EXPLAIN_DEPTH = 8;

/**
 * Validates values against schemas of the spec, addressed by JSON pointer. Each direction gets its own
 * normalized document and ajv instance, created on first use; each schema compiles on first use and
 * is cached. Failures are explained: the closest `oneOf`/`anyOf` branch only, paths into the value,
 * and the spec line of the failing keyword.
 */
export class SchemaValidator {
  readonly #source: ValidatorSource;
  readonly #states = new Map<Direction, DirectionState>();

  constructor(source: ValidatorSource) {
    this.#source = source;
  }

  /** `[]` when `data` is valid. */
  validate(direction: Direction, pointer: string, data: unknown): readonly ValidationIssue[] {
    const state = this.#state(direction);
    const fn = this.#compile(state, pointer);
    if (fn(data)) return NO_ISSUES;
    return this.#explain(state, fn.errors ?? [], '', 0);
  }

  isValid(direction: Direction, pointer: string, data: unknown): boolean {
    return this.#compile(this.#state(direction), pointer)(data) as boolean;
  }

  /** The normalized schema at a pointer (for walks that follow the validator's view of the spec). */
  schemaAt(direction: Direction, pointer: string): unknown {
    return getAtPointer(this.#state(direction).document, pointer);
  }

  pointerOf(direction: Direction, schema: object): string | undefined {
    return this.#state(direction).pointers.get(schema);
  }

  isNullableWrapper(direction: Direction, schema: object): boolean {
    return this.#state(direction).nullableWrappers.has(schema);
  }

  /** Formats used by the spec that ajv does not know (validated as annotations only). */
  unknownFormats(): string[] {
    return [...this.#state('response').unknownFormats];
  }

  get compiledCount(): number {
    let n = 0;
    for (const state of this.#states.values()) n += state.compiled.size;
    return n;
  }

  #state(direction: Direction): DirectionState {
    let state = this.#states.get(direction);
    if (!state) {
      const normalized = normalizeDocument(this.#source.bundled, this.#source.version, direction);
      const ajv = createAjv(this.#source.dialect);
      const unknownFormats = new Set([...normalized.formats].filter((f) => !isKnownFormat(ajv, f)));
      for (const format of unknownFormats) ajv.addFormat(format, true);
      state = { ...normalized, direction, ajv, compiled: new Map(), members: new WeakMap(), unknownFormats };
      this.#addKeywords(state);
      ajv.addSchema(normalized.document, direction);
      this.#states.set(direction, state);
    }
    return state;
  }

  #compile(state: DirectionState, pointer: string): ValidateFunction {
    let fn = state.compiled.get(pointer);
    if (fn) return fn;
    try {
      fn = state.ajv.getSchema(`${state.direction}#${pointerToFragment(pointer)}`);
    } catch (error) {
      throw this.#specError(pointer, (error as Error).message);
    }
    if (!fn) throw this.#specError(pointer, 'no schema at this location');
    state.compiled.set(pointer, fn);
    return fn;
  }

  #specError(pointer: string, problem: string): ShakedownError {
    const location = this.#source.sourceMap.locatePointer(this.#source.bundled, pointer);
    const line = location?.line === undefined ? '' : ` (line ${location.line})`;
    return new ShakedownError(
      'SHK_SPEC_INVALID',
      `${location?.file ?? this.#source.file}: ${location?.pointer ?? pointer} cannot be compiled: ${problem}${line}`,
    );
  }

  #addKeywords(state: DirectionState): void {
    // ajv does not attach parentSchema to errors of function keywords; the location needs it.
    const writeOnly: KeywordFunction = (_schema, _data, parentSchema) => {
      writeOnly.errors = [{ keyword: WRITE_ONLY_KEYWORD, message: 'is writeOnly', params: {}, parentSchema }];
      return false;
    };
    state.ajv.addKeyword({
      keyword: WRITE_ONLY_KEYWORD,
      schemaType: 'boolean',
      errors: true,
      validate: writeOnly,
    });
    const discriminator: KeywordFunction = (rule, data, parentSchema) => {
      const issues = this.#dispatch(state, rule as DiscriminatorRule, data);
      discriminator.errors = [
        { keyword: DISCRIMINATOR_KEYWORD, message: 'discriminator', params: { issues }, parentSchema },
      ];
      return issues.length === 0;
    };
    state.ajv.addKeyword({
      keyword: DISCRIMINATOR_KEYWORD,
      schemaType: 'object',
      errors: true,
      validate: discriminator,
    });
  }

  /** The branch named by the tag, and only its errors; an unknown tag is an error of its own. */
  #dispatch(state: DirectionState, rule: DiscriminatorRule, data: unknown): readonly ValidationIssue[] {
    const tags = Object.keys(rule.tags);
    const expected = tags.map((t) => JSON.stringify(t)).join(', ');
    if (!isObject(data)) {
      return [
        {
          path: '',
          keyword: 'discriminator',
          message: `must be an object with a "${rule.propertyName}" tag`,
        },
      ];
    }
    const tag = data[rule.propertyName];
    const tagPath = `/${escapeSegment(rule.propertyName)}`;
    if (tag === undefined) {
      return [
        {
          path: tagPath,
          keyword: 'discriminator',
          message: `is required (discriminator; one of ${expected})`,
        },
      ];
    }
    const target = typeof tag === 'string' ? rule.tags[tag] : undefined;
    if (target === undefined) {
      return [
        {
          path: tagPath,
          keyword: 'discriminator',
          message: `unknown discriminator value ${preview(tag)}; expected one of ${expected}`,
        },
      ];
    }
    const fn = this.#compile(state, target);
    return fn(data) ? NO_ISSUES : this.#explain(state, fn.errors ?? [], '', 0);
  }

  #explain(
    state: DirectionState,
    errors: readonly ErrorObject[],
    prefix: string,
    depth: number,
  ): ValidationIssue[] {
    let remaining = [...errors];
    const composites: ValidationIssue[] = [];
    for (;;) {
      // ajv reports a composite after its branches' errors, so the last one is the outermost.
      const index = remaining.findLastIndex((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
      if (index < 0) break;
      const composite = remaining[index];
      const members = this.#members(state, composite);
      remaining = remaining.filter(
        (e, i) =>
          i !== index && !(within(e.instancePath, composite.instancePath) && members.has(e.parentSchema)),
      );
      composites.push(...this.#explainComposite(state, composite, prefix, depth));
    }
    return [...remaining.flatMap((e) => this.#toIssues(state, e, prefix)), ...composites];
  }

  /** The closest branch's errors under one line naming it; for a 3.0 nullable wrapper, the non-null branch. */
  #explainComposite(
    state: DirectionState,
    composite: ErrorObject,
    prefix: string,
    depth: number,
  ): ValidationIssue[] {
    const node = composite.parentSchema as object;
    const branches = composite.schema as unknown[];
    const path = prefix + composite.instancePath;
    const location = this.#location(state, node, composite.keyword);
    const passing = (composite.params as { passingSchemas?: number[] | null }).passingSchemas;
    if (Array.isArray(passing)) {
      const names = passing.map((i) => branchName(branches[i], i)).join(' and ');
      return [{ path, keyword: 'oneOf', message: `matches more than one oneOf branch (${names})`, location }];
    }
    if (depth >= MAX_EXPLAIN_DEPTH)
      return [{ path, keyword: composite.keyword, message: composite.message ?? '', location }];
    const candidates = state.nullableWrappers.has(node) ? [0] : branches.map((_, i) => i);
    let best: { index: number; issues: ValidationIssue[]; score: number } | undefined;
    for (const index of candidates) {
      const pointer = state.pointers.get(branches[index] as object);
      if (pointer === undefined) continue;
      const fn = this.#compile(state, pointer);
      if (fn(composite.data)) return [];
      const issues = this.#explain(state, fn.errors ?? [], path, depth + 1);
      const score = distance(issues, path) * 1000 - this.#overlap(state, branches[index], composite.data);
      if (!best || score < best.score) best = { index, issues, score };
    }
    if (!best) return [{ path, keyword: composite.keyword, message: composite.message ?? '', location }];
    if (candidates.length === 1) return best.issues;
    const closest = branchName(branches[best.index], best.index);
    const header = {
      path,
      keyword: composite.keyword,
      message: `matches no ${composite.keyword} branch; closest is ${closest}:`,
      location,
    };
    return [header, ...best.issues];
  }

  /** How many of an object's fields a branch declares: between equally broken branches, the one that knows the data. */
  #overlap(state: DirectionState, branch: unknown, data: unknown): number {
    if (!isObject(data)) return 0;
    const declared = new Set<string>();
    const collect = (schema: unknown, depth: number): void => {
      if (!isObject(schema) || depth > 8) return;
      if (typeof schema.$ref === 'string') {
        const pointer = refToPointer(schema.$ref);
        if (pointer !== undefined) collect(getAtPointer(state.document, pointer), depth + 1);
      }
      if (isObject(schema.properties)) for (const key of Object.keys(schema.properties)) declared.add(key);
      for (const member of Array.isArray(schema.allOf) ? schema.allOf : []) collect(member, depth + 1);
    };
    collect(branch, 0);
    return Object.keys(data).filter((key) => declared.has(key)).length;
  }

  /** Every schema object reachable from a composite's branches (following refs): whose errors those are. */
  #members(state: DirectionState, composite: ErrorObject): Set<unknown> {
    const node = composite.parentSchema as object;
    let members = state.members.get(node);
    if (members) return members;
    const found = new Set<unknown>();
    const walk = (schema: unknown, depth: number): void => {
      if (!isObject(schema) || found.has(schema) || depth > 64) return;
      found.add(schema);
      if (typeof schema.$ref === 'string') {
        const pointer = refToPointer(schema.$ref);
        if (pointer !== undefined) walk(getAtPointer(state.document, pointer), depth + 1);
      }
      const rule = schema[DISCRIMINATOR_KEYWORD] as DiscriminatorRule | undefined;
      for (const target of Object.values(rule?.tags ?? {}))
        walk(getAtPointer(state.document, target), depth + 1);
      forEachSubschema(schema, (sub) => walk(sub, depth + 1));
    };
    for (const branch of composite.schema as unknown[]) walk(branch, 0);
    members = found;
    state.members.set(node, members);
    return members;
  }

  #toIssues(state: DirectionState, e: ErrorObject, prefix: string): ValidationIssue[] {
    const path = prefix + e.instancePath;
    if (e.keyword === DISCRIMINATOR_KEYWORD) {
      const issues = (e.params as { issues: ValidationIssue[] }).issues;
      const location = this.#location(state, e.parentSchema as object, 'discriminator');
      return issues.map((i) => ({ ...i, path: path + i.path, location: i.location ?? location }));
    }
    return [issueFromError(e, path, this.#location(state, e.parentSchema as object, e.keyword))];
  }

  #location(state: DirectionState, schema: object | undefined, keyword: string): string | undefined {
    const origin = schema ? state.origins.get(schema) : undefined;
    if (!origin) return undefined;
    const key = keyword === WRITE_ONLY_KEYWORD ? 'writeOnly' : keyword;
    const map = this.#source.sourceMap;
    const exact = key in origin ? map.locate(origin, key) : undefined;
    return map.format(exact ?? map.locate(origin));
  }
}

/**
 * An ajv for the spec's JSON Schema dialect, with OpenAPI's formats. Never coerces, never fills
 * defaults, never strips: the harness reports what the target sent. `overrides` is for other uses of
 * the same semantics (the k6 export's standalone code generation).
 */
export function createAjv(dialect: SchemaDialect, overrides: Options = {}): Ajv {
  const options: Options = {
    allErrors: true,
    verbose: true,
    strict: false,
    validateSchema: false,
    logger: false as const,
    useDefaults: false,
    coerceTypes: false,
    removeAdditional: false,
    discriminator: false,
    unicodeRegExp: true,
    ...overrides,
  };
  const ajv =
    dialect === '2020-12'
      ? new Ajv2020(options)
      : dialect === '2019-09'
        ? new Ajv2019(options)
        : new AjvDraft7(options);
  addOpenApiFormats(ajv);
  return ajv;
}

function within(path: string, base: string): boolean {
  return base === '' || path === base || path.startsWith(`${base}/`);
}

/** Lower is closer: few errors, and a branch of the wrong type at its root is far away. */
function distance(issues: readonly ValidationIssue[], path: string): number {
  const wrongKind = issues.some((i) => i.path === path && (i.keyword === 'type' || i.keyword === 'const'));
  return issues.length + (wrongKind ? 1000 : 0);
}

function branchName(branch: unknown, index: number): string {
  if (isObject(branch) && typeof branch.$ref === 'string') {
    const name = splitPointer(refToPointer(branch.$ref) ?? '').at(-1);
    if (name) return name;
  }
  if (isObject(branch) && typeof branch.title === 'string') return branch.title;
  return `branch #${index}`;
}
