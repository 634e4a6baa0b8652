import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ShakedownError } from '../errors.ts';
import { isHttpUrl } from '../openapi/source.ts';
import { parseDurationSec } from './duration.ts';
import { configSchema, type ResolvedConfig, type ShakedownConfig } from './schema.ts';
import { importUserModule } from './user-module.ts';

export const DEFAULT_CONFIG_FILE = 'shakedown.config.ts';

/** What the command line says; every field optional. */
export interface ConfigFlags {
  config?: string;
  target?: string;
  stack?: string;
  profile?: string;
  out?: string;
  reporter?: string[];
  /** `--spec`: file (relative to the working directory), http(s) URL, or a path on the target (`/openapi.json`). */
  spec?: string;
  /** `--duration`: k6-style (`90`, `90s`, `15m`, `1h`); sets soak.durationSec and load.durationSec. */
  duration?: string;
  /** `--sessions`: soak.sessions. */
  sessions?: string;
  /** `--rate`: load.ratePerSec. */
  rate?: string;
  /** `--connections`: load.connections. */
  connections?: string;
}

/**
 * The environment variables the config reads (the layer between the config file and the flags), with
 * what each sets: the reference in docs/options.md is generated from this table.
 */
export const CONFIG_ENV_VARS = {
  SHAKEDOWN_CONFIG: 'the config file, as `--config`',
  SHAKEDOWN_TARGET: 'the URL of a running target, as `--target` (sets `target.baseUrl` and the `url` stack)',
  SHAKEDOWN_OPENAPI:
    'the OpenAPI document (`target.openapi`): a file, an http(s) URL or a path on the target such as `/openapi.json`',
  SHAKEDOWN_TOKEN: "a static bearer token (`target.auth: { type: 'bearer', token }`)",
  SHAKEDOWN_API_KEY_HEADER: "the name of a header carrying an API key (`target.auth: { type: 'header' }`)",
  SHAKEDOWN_API_KEY: 'the API key sent in `SHAKEDOWN_API_KEY_HEADER`',
  SHAKEDOWN_LOAD_ALLOWED_HOSTS: 'comma list of `target.loadAllowedHosts`',
  SHAKEDOWN_STACK: 'the stack kind, as `--stack`',
  SHAKEDOWN_PROFILE: 'the profile, as `--profile`',
  SHAKEDOWN_OUT: 'the run output directory, as `--out`',
  SHAKEDOWN_REPORTERS: 'comma list of reporters, as `--reporter`',
} as const;

export interface LoadedConfig {
  config: ResolvedConfig;
  /** Absolute path of the file it came from, or null when none was used. */
  file: string | null;
  /** Directory relative paths in the config are resolved against. */
  rootDir: string;
}

/**
 * Resolution order: defaults < config file < the file's profile overrides < SHAKEDOWN_* environment
 * < CLI flags. The result is validated once, every problem reported together, then frozen.
 */
export async function loadConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<LoadedConfig> {
  const explicit = flags.config ?? env.SHAKEDOWN_CONFIG;
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let fileConfig: Record<string, unknown> = {};
  let usedFile: string | null = null;
  if (existsSync(file)) {
    fileConfig = await importConfigFile(file);
    usedFile = file;
  } else if (explicit || !(flags.target ?? env.SHAKEDOWN_TARGET)) {
    throw new ShakedownError(
      'SHK_CONFIG_NOT_FOUND',
      `config file ${file} does not exist. Create it (export default defineConfig({...}) from 'shakedown'), pass --config <file>, or pass --target <url> to test a running server without a config.`,
    );
  }
  // A relative --spec is relative to where the command was typed, not to the config file.
  const spec =
    flags.spec && !isHttpUrl(flags.spec) && !flags.spec.startsWith('/')
      ? path.resolve(cwd, flags.spec)
      : flags.spec;
  const config = resolveConfig(fileConfig, { ...flags, spec }, env, usedFile ?? '(no config file)');
  return { config, file: usedFile, rootDir: usedFile ? path.dirname(usedFile) : cwd };
}

async function importConfigFile(file: string): Promise<Record<string, unknown>> {
  const mod = await importUserModule(file, 'SHK_CONFIG_LOAD', ({ reason, location: at }) => {
    const where = at ? `:${at.line}:${at.column} (line ${at.line}, column ${at.column})` : '';
    return `cannot load config file ${file}${where}: ${reason}${at ? `\n${at.excerpt}` : ''}`;
  });
  const value = mod.default ?? mod.config;
  if (!value || typeof value !== 'object') {
    throw new ShakedownError(
      'SHK_CONFIG_LOAD',
      `config file ${file} has no default export. Add: export default defineConfig({ ... })`,
    );
  }
  return value as Record<string, unknown>;
}

/** Pure resolution of an already-loaded config object; exported for tests and the library API. */
export function resolveConfig(
  fileConfig: ShakedownConfig | Record<string, unknown>,
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = {},
  source = '(inline config)',
): ResolvedConfig {
  const base = fileConfig as Record<string, unknown>;
  const envLayer = fromEnv(env);
  const flagLayer = fromFlags(flags);
  const profile = (flagLayer.profile ?? envLayer.profile ?? base.profile ?? 'full') as string;
  const profiles = (base.profiles ?? {}) as Record<string, unknown>;
  const profileLayer = isPlainObject(profiles[profile]) ? (profiles[profile] as Record<string, unknown>) : {};

  const merged = [profileLayer, envLayer, flagLayer].reduce<Record<string, unknown>>(
    (acc, layer) => deepMerge(acc, layer),
    base,
  );
  merged.profile = profile;

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => formatIssue(issue, merged));
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `invalid config (${source}), ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return deepFreeze(parsed.data);
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  const target: Record<string, unknown> = {};
  if (env.SHAKEDOWN_TARGET) {
    target.baseUrl = env.SHAKEDOWN_TARGET;
    layer.stack = { kind: 'url' };
  }
  if (env.SHAKEDOWN_OPENAPI) target.openapi = env.SHAKEDOWN_OPENAPI;
  if (env.SHAKEDOWN_TOKEN) target.auth = { type: 'bearer', token: env.SHAKEDOWN_TOKEN };
  // An API key in a header, for zero-config runs (`init`'s configs read SHAKEDOWN_API_KEY themselves).
  if (env.SHAKEDOWN_API_KEY_HEADER)
    target.auth = { type: 'header', name: env.SHAKEDOWN_API_KEY_HEADER, value: env.SHAKEDOWN_API_KEY ?? '' };
  if (env.SHAKEDOWN_LOAD_ALLOWED_HOSTS) target.loadAllowedHosts = splitList(env.SHAKEDOWN_LOAD_ALLOWED_HOSTS);
  if (Object.keys(target).length > 0) layer.target = target;
  if (env.SHAKEDOWN_STACK) layer.stack = { kind: env.SHAKEDOWN_STACK };
  if (env.SHAKEDOWN_PROFILE) layer.profile = env.SHAKEDOWN_PROFILE;
  if (env.SHAKEDOWN_OUT) layer.out = env.SHAKEDOWN_OUT;
  if (env.SHAKEDOWN_REPORTERS) layer.reporters = splitList(env.SHAKEDOWN_REPORTERS);
  return layer;
}

function fromFlags(flags: ConfigFlags): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  const target: Record<string, unknown> = {};
  if (flags.target) {
    target.baseUrl = flags.target;
    layer.stack = { kind: 'url' };
  }
  if (flags.spec) {
    // Both: the flag wins over a config's contracts.spec as well as its target.openapi.
    target.openapi = flags.spec;
    layer.contracts = { spec: flags.spec };
  }
  if (Object.keys(target).length > 0) layer.target = target;
  const soak: Record<string, unknown> = {};
  const load: Record<string, unknown> = {};
  if (flags.duration !== undefined) {
    // An unparsable duration stays a string, so validation names it (the CLI refuses it earlier).
    const durationSec = parseDurationSec(flags.duration) ?? flags.duration;
    soak.durationSec = durationSec;
    load.durationSec = durationSec;
  }
  if (flags.sessions !== undefined) soak.sessions = Number(flags.sessions);
  if (flags.rate !== undefined) load.ratePerSec = Number(flags.rate);
  if (flags.connections !== undefined) load.connections = Number(flags.connections);
  if (Object.keys(soak).length > 0) layer.soak = soak;
  if (Object.keys(load).length > 0) layer.load = load;
  if (flags.stack) layer.stack = { kind: flags.stack };
  if (flags.profile) layer.profile = flags.profile;
  if (flags.out) layer.out = flags.out;
  if (flags.reporter && flags.reporter.length > 0) layer.reporters = flags.reporter;
  return layer;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Objects merge key by key; arrays, functions and scalars replace. A stack of another kind replaces
 * the whole stack section, since its options do not carry over.
 */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const kindChanged =
      key === 'stack' &&
      isPlainObject(current) &&
      isPlainObject(value) &&
      value.kind !== undefined &&
      value.kind !== current.kind;
    out[key] =
      isPlainObject(current) && isPlainObject(value) && !kindChanged ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; check the spelling against the config reference in the README`;
  }
  const got = valueAt(input, issue.path);
  const expected = describeExpected(issue);
  return `${where}: ${expected}, got ${got === undefined ? 'nothing' : preview(got)}`;
}

// zod reports a bad discriminator without the allowed values; these are the config's unions.
const DISCRIMINATOR_VALUES: Record<string, readonly string[]> = {
  kind: ['local', 'compose', 'url'],
  type: ['bearer', 'header'],
};

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith('expected ') && !issue.message.includes('received')) return issue.message;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'number') {
        return Number(issue.minimum) === 0 && !issue.inclusive
          ? 'expected a positive number'
          : `expected a number ≥ ${issue.minimum}`;
      }
      return `expected at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      return `expected at most ${issue.maximum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'expected an integer' : `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = DISCRIMINATOR_VALUES[String(issue.path.at(-1))];
      if (issue.errors.length === 0 && options)
        return `expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
      return 'expected one of the documented forms';
    }
    case 'invalid_format':
      return issue.format === 'url' ? 'expected an http(s) URL' : `expected a ${issue.format}`;
    default:
      return issue.message;
  }
}

function valueAt(input: unknown, pathParts: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of pathParts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function preview(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
