import { glob } from 'node:fs/promises';
import path from 'node:path';
import { importUserModule } from '../config/user-module.ts';
import { ShakedownError } from '../errors.ts';
import type { HttpClient } from '../http/client.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { isObject } from '../openapi/pointer.ts';
import { displayPath } from '../openapi/source-map.ts';
import type { ContractRequest, RequestKind } from './request.ts';

export interface ContractHookContext {
  readonly operation: { readonly operationId?: string; readonly method: string; readonly path: string };
  /** Why this request is sent: `positive`, `negative`, `no-credentials`, `link`, … */
  readonly kind: RequestKind;
  /** How it was made, e.g. `example "full"`. */
  readonly label: string;
  /** The config's named secrets (redacted from everything the run writes). */
  readonly secrets: Readonly<Record<string, string>>;
  /** The target's client with its credentials, for setting up data. */
  readonly http: HttpClient;
}

export interface ContractResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON when the body is JSON, else the text. */
  readonly body: unknown;
}

/** Problems found by a custom check: return them (or throw); nothing means it passed. */
export type CustomCheck = (
  response: ContractResponse,
  ctx: ContractHookContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a check that returns nothing infers `void`, which `undefined` would reject.
) => void | string | readonly string[] | Promise<void | string | readonly string[]>;

export interface OperationHooks {
  /** Leave the operation out (`true`, or the reason, which the coverage report shows). */
  skip?: boolean | string;
  /** Runs before every request to the operation: set up data, then change the request or return a new one. */
  before?: (
    request: ContractRequest,
    ctx: ContractHookContext,
    // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing infers `void`, which `undefined` would reject.
  ) => void | ContractRequest | Promise<void | ContractRequest>;
  /** Statuses the target may answer beyond those the spec documents. */
  expectStatuses?: readonly number[];
  /** Custom checks on every answer to a positive request, keyed by their check id (`voice.token-ttl`). */
  checks?: Readonly<Record<string, CustomCheck>>;
}

export interface ContractHooks {
  /** Apply only to this spec (its file name or a path ending), e.g. `voice-api.openapi.yaml`. */
  spec?: string;
  /** Hooks for every operation; the operation's own run after them. */
  all?: OperationHooks;
  /** Keyed by operationId, or `METHOD /path` for operations without one. */
  operations?: Readonly<Record<string, OperationHooks>>;
}

/** Typed identity for `contracts/*.contract.ts` files: `export default defineContractHooks({ … })`. */
export function defineContractHooks(hooks: ContractHooks): ContractHooks {
  return hooks;
}

/** The hooks that apply to one operation, merged across files. */
export interface OperationHookSet {
  skip?: string;
  before: NonNullable<OperationHooks['before']>[];
  expectStatuses: number[];
  checks: { id: string; run: CustomCheck }[];
}

const CHECK_ID = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export class ContractHookRegistry {
  readonly files: string[];
  readonly #sets = new Map<string, OperationHookSet>();
  readonly #all: OperationHookSet = emptySet();

  constructor(files: string[], entries: { file: string; hooks: ContractHooks }[], spec: ApiSpec) {
    this.files = files;
    for (const { file, hooks } of entries) {
      if (hooks.all) merge(this.#all, hooks.all);
      for (const [key, hook] of Object.entries(hooks.operations ?? {})) {
        const op = spec.operations.find((o) => o.key === key || `${o.method} ${o.path}` === key);
        if (!op) {
          const known = spec.operations.map((o) => o.key).join(', ');
          throw new ShakedownError(
            'SHK_SCRIPT_INVALID',
            `${file}: operations.${key} is not an operation of ${spec.displayFile}; known: ${known}`,
          );
        }
        const set = this.#sets.get(op.key) ?? emptySet();
        this.#sets.set(op.key, set);
        merge(set, hook);
      }
    }
  }

  for(op: Operation): OperationHookSet {
    const own = this.#sets.get(op.key) ?? emptySet();
    return {
      skip: own.skip ?? this.#all.skip,
      before: [...this.#all.before, ...own.before],
      expectStatuses: [...this.#all.expectStatuses, ...own.expectStatuses],
      checks: [...this.#all.checks, ...own.checks],
    };
  }
}

/** Imports every hook file matching `pattern` (relative to rootDir) that applies to this spec. */
export async function loadContractHooks(
  rootDir: string,
  pattern: string,
  spec: ApiSpec,
): Promise<ContractHookRegistry> {
  const files: string[] = [];
  for await (const entry of glob(pattern, { cwd: rootDir })) files.push(path.resolve(rootDir, entry));
  files.sort();
  const entries: { file: string; hooks: ContractHooks }[] = [];
  for (const file of files) {
    const shown = displayPath(rootDir, file);
    const hooks = validateHooks(await importHooks(file, shown), shown);
    if (hooks.spec && !appliesTo(hooks.spec, spec.file)) continue;
    entries.push({ file: shown, hooks });
  }
  return new ContractHookRegistry(
    entries.map((e) => e.file),
    entries,
    spec,
  );
}

async function importHooks(file: string, shown: string): Promise<unknown> {
  const mod = await importUserModule(
    file,
    'SHK_SCRIPT_INVALID',
    ({ reason }) => `${shown}: cannot be loaded: ${reason}`,
  );
  return mod.default;
}

function validateHooks(value: unknown, file: string): ContractHooks {
  const fail = (problem: string) =>
    new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `${file}: ${problem}. Export: export default defineContractHooks({ operations: { … } })`,
    );
  if (!isObject(value)) throw fail('has no default export object');
  for (const key of Object.keys(value))
    if (!['spec', 'all', 'operations'].includes(key)) throw fail(`unknown field "${key}"`);
  if (value.spec !== undefined && typeof value.spec !== 'string') throw fail('spec must be a string');
  if (value.all !== undefined) validateOperationHooks(value.all, 'all', fail);
  if (value.operations !== undefined && !isObject(value.operations))
    throw fail('operations must be an object keyed by operationId');
  for (const [key, hooks] of Object.entries(value.operations ?? {}))
    validateOperationHooks(hooks, `operations.${key}`, fail);
  return value as ContractHooks;
}

function validateOperationHooks(
  value: unknown,
  where: string,
  fail: (problem: string) => ShakedownError,
): void {
  if (!isObject(value)) throw fail(`${where} must be an object`);
  for (const key of Object.keys(value))
    if (!['skip', 'before', 'expectStatuses', 'checks'].includes(key))
      throw fail(`${where} has an unknown field "${key}"`);
  if (value.skip !== undefined && typeof value.skip !== 'boolean' && typeof value.skip !== 'string')
    throw fail(`${where}.skip must be a boolean or a reason`);
  if (value.before !== undefined && typeof value.before !== 'function')
    throw fail(`${where}.before must be a function`);
  const statuses = value.expectStatuses;
  if (
    statuses !== undefined &&
    !(Array.isArray(statuses) && statuses.every((s) => Number.isInteger(s) && s >= 100 && s <= 599))
  )
    throw fail(`${where}.expectStatuses must be a list of HTTP status codes`);
  if (value.checks !== undefined && !isObject(value.checks))
    throw fail(`${where}.checks must be an object of check id → function`);
  for (const [id, check] of Object.entries(value.checks ?? {})) {
    if (!CHECK_ID.test(id))
      throw fail(`${where}.checks: "${id}" is not a dotted lower-case check id like "voice.token-ttl"`);
    if (typeof check !== 'function') throw fail(`${where}.checks.${id} must be a function`);
  }
}

function merge(into: OperationHookSet, hooks: OperationHooks): void {
  if (hooks.skip) into.skip = typeof hooks.skip === 'string' ? hooks.skip : 'skipped by a contract hook';
  if (hooks.before) into.before.push(hooks.before);
  into.expectStatuses.push(...(hooks.expectStatuses ?? []));
  for (const [id, run] of Object.entries(hooks.checks ?? {})) into.checks.push({ id, run });
}

function emptySet(): OperationHookSet {
  return { before: [], expectStatuses: [], checks: [] };
}

function appliesTo(target: string, specFile: string): boolean {
  const normalized = specFile.split(path.sep).join('/');
  return normalized === target || normalized.endsWith(`/${target.replace(/^\.?\//, '')}`);
}
