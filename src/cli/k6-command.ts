import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TOLERANCES } from '../config/baseline.ts';
import { DEFAULT_CONFIG_FILE, type LoadedConfig, loadConfig } from '../config/resolve.ts';
import { configSchema } from '../config/schema.ts';
import { ExitCode, type ExitCodeValue, ShakedownError } from '../errors.ts';
import { exportK6, mergeThresholdEntries } from '../k6/export.ts';
import { importK6Results } from '../k6/import.ts';
import { loadBaseline } from '../report/baseline/load.ts';
import { createReporters } from '../report/reporters/index.ts';
import { Redactor } from '../run/redact.ts';
import { REPORTER_NAMES, type ReporterName } from '../run/reporter.ts';
import { redactorFor } from '../runner.ts';
import { loadSoakScript } from '../soak/script.ts';
import type { ParsedArgs } from './args.ts';

const DEFAULT_EXPORT_DIR = 'k6';
const DEFAULT_PARALLELISM = 4;
const USAGE =
  "expected 'shakedown k6 export [--out dir]' or 'shakedown k6 import <k6-output.json...> [--out dir]'.";

/** `shakedown k6 export` and `shakedown k6 import`. */
export async function k6Command(args: ParsedArgs, print: (line: string) => void): Promise<ExitCodeValue> {
  const [action, ...rest] = args.positionals;
  if (action === 'export') {
    if (rest.length > 0)
      throw new ShakedownError('SHK_USAGE', `'shakedown k6 export' takes no arguments. ${USAGE}`);
    const loaded = await loadConfig({ ...args.flags, out: undefined });
    const result = await exportK6(loaded, {
      outDir: path.resolve(args.flags.out ?? DEFAULT_EXPORT_DIR),
      parallelism: args.flags.parallelism ? Number(args.flags.parallelism) : DEFAULT_PARALLELISM,
    });
    for (const note of result.notes) print(note);
    print(`wrote ${result.files.join(', ')} to ${result.dir}; see its README.md to run them with k6.`);
    return ExitCode.Pass;
  }
  if (action === 'import') {
    if (rest.length === 0)
      throw new ShakedownError('SHK_USAGE', `'shakedown k6 import' needs k6 result files. ${USAGE}`);
    return importCommand(args, rest, print);
  }
  throw new ShakedownError('SHK_USAGE', USAGE);
}

/** The soak script's thresholds: soak.ts carries its window ones as comments, judged here. */
async function soakScriptThresholds(loaded: LoadedConfig | null) {
  if (!loaded) return {};
  const file = path.resolve(loaded.rootDir, loaded.config.soak.script);
  return existsSync(file) ? ((await loadSoakScript(file)).options.thresholds ?? {}) : {};
}

async function importCommand(
  args: ParsedArgs,
  files: string[],
  print: (line: string) => void,
): Promise<ExitCodeValue> {
  // The config is optional here: it adds window thresholds, the window size and the secrets to redact.
  const configFile = args.flags.config ?? process.env.SHAKEDOWN_CONFIG ?? DEFAULT_CONFIG_FILE;
  const loaded: LoadedConfig | null =
    args.flags.config || existsSync(path.resolve(configFile)) ? await loadConfig(args.flags) : null;
  const config = loaded?.config;
  // Without a config, the load section's defaults (5 s windows, no warm-up).
  const load = config?.load ?? configSchema.parse({}).load;
  const outcome = await importK6Results({
    files: files.map((f) => path.resolve(f)),
    outDir: path.resolve(loaded?.rootDir ?? process.cwd(), args.flags.out ?? config?.out ?? 'reports'),
    windowSec: load.windowSec,
    warmupSec: load.warmupSec,
    thresholds: mergeThresholdEntries(
      await soakScriptThresholds(loaded),
      mergeThresholdEntries(config?.thresholds ?? {}, load.thresholds ?? {}),
    ),
    profile: args.flags.profile ?? config?.profile ?? 'full',
    target: { baseUrl: config?.target.baseUrl ?? '(k6)', stack: 'url' },
    redactor: loaded ? redactorFor(loaded) : new Redactor(),
    // A loaded config already has --reporter applied.
    reporters: createReporters(
      config?.reporters ?? (args.flags.reporter as ReporterName[] | undefined) ?? REPORTER_NAMES,
      {
        quiet: args.flags.quiet ?? false,
      },
    ),
    baseline: args.flags.baseline
      ? {
          loaded: loadBaseline(args.flags.baseline),
          force: args.flags.force ?? false,
          tolerances: config?.baseline ?? DEFAULT_TOLERANCES,
        }
      : undefined,
  });
  print(`k6 results imported into ${outcome.runDir}`);
  return outcome.exitCode;
}
