import { parseArgs } from 'node:util';
import { parseDurationSec } from '../config/duration.ts';
import type { ConfigFlags } from '../config/resolve.ts';
import { ShakedownError } from '../errors.ts';

export const COMMANDS = [
  'run',
  'contracts',
  'scenarios',
  'soak',
  'load',
  'report',
  'stack',
  'k6',
  'init',
  'webhook',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ParsedArgs {
  command: CommandName | null;
  positionals: string[];
  /** The config's flags (`ConfigFlags`, layered over the config file) and the commands' own. */
  flags: ConfigFlags & {
    quiet?: boolean;
    version?: boolean;
    help?: boolean;
    baseline?: string;
    open?: boolean;
    force?: boolean;
    workers?: string;
    validate?: string;
    parallelism?: string;
    verbose?: boolean;
    scheme?: string;
    'secret-env'?: string;
    'body-file'?: string;
    timestamp?: string;
    id?: string;
  };
}

/** The flags `parseArgs` accepts; each is described in HELP (`docs/options.md` is generated from both). */
export const OPTIONS = {
  config: { type: 'string', short: 'c' },
  target: { type: 'string', short: 't' },
  stack: { type: 'string' },
  profile: { type: 'string', short: 'p' },
  out: { type: 'string', short: 'o' },
  reporter: { type: 'string', short: 'r', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  baseline: { type: 'string' },
  open: { type: 'boolean' },
  force: { type: 'boolean' },
  workers: { type: 'string' },
  validate: { type: 'string' },
  parallelism: { type: 'string' },
  spec: { type: 'string', short: 's' },
  duration: { type: 'string', short: 'd' },
  sessions: { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  verbose: { type: 'boolean' },
  // shakedown webhook sign
  scheme: { type: 'string' },
  'secret-env': { type: 'string' },
  'body-file': { type: 'string' },
  timestamp: { type: 'string' },
  id: { type: 'string' },
} as const;

const CHOICES: Record<string, readonly string[]> = {
  stack: ['local', 'compose', 'url'],
  profile: ['quick', 'full'],
  reporter: ['console', 'json', 'junit', 'html'],
};

export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ShakedownError(
      'SHK_USAGE',
      `${(error as Error).message}. Run 'shakedown --help' for the options.`,
    );
  }
  const [first, ...rest] = parsed.positionals;
  if (first !== undefined && !(COMMANDS as readonly string[]).includes(first)) {
    throw new ShakedownError(
      'SHK_USAGE',
      `unknown command '${first}'. Commands: ${COMMANDS.join(', ')}. Run 'shakedown --help'.`,
    );
  }
  const flags = parsed.values as ParsedArgs['flags'];
  for (const [name, allowed] of Object.entries(CHOICES)) {
    const raw = flags[name as keyof ParsedArgs['flags']];
    const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    for (const value of values) {
      if (!allowed.includes(String(value))) {
        throw new ShakedownError(
          'SHK_USAGE',
          `--${name} ${String(value)}: expected one of ${allowed.join(', ')}.`,
        );
      }
    }
  }
  if (flags.validate !== undefined && !/^\d+$/.test(flags.validate)) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--validate ${flags.validate}: expected an integer ≥ 0 (1 validates every response, 0 none).`,
    );
  }
  for (const name of ['workers', 'sessions', 'connections'] as const) {
    const value = flags[name];
    if (value !== undefined && !/^[1-9]\d*$/.test(value)) {
      throw new ShakedownError('SHK_USAGE', `--${name} ${value}: expected a positive integer.`);
    }
  }
  if (flags.rate !== undefined && !(/^\d+(\.\d+)?$/.test(flags.rate) && Number(flags.rate) > 0)) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--rate ${flags.rate}: expected a positive number of requests per second.`,
    );
  }
  if (flags.duration !== undefined && parseDurationSec(flags.duration) === null) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--duration ${flags.duration}: expected a duration such as 90 (seconds), 90s, 15m, 1h or 1m30s.`,
    );
  }
  if (flags.parallelism !== undefined && !/^[1-9]\d*$/.test(flags.parallelism)) {
    throw new ShakedownError('SHK_USAGE', `--parallelism ${flags.parallelism}: expected a positive integer.`);
  }
  return { command: (first as CommandName | undefined) ?? null, positionals: rest, flags };
}
