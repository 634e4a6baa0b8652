import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/resolve.ts';
import { ShakedownError } from '../errors.ts';
import { resolveRequestMix } from '../load/mix.ts';
import {
  compileThresholds,
  mergeThresholds,
  type ThresholdEntry,
  type ThresholdSpec,
} from '../metrics/threshold-set.ts';
import { type ApiSpec, loadSpec } from '../openapi/load.ts';
import { resolvePlan } from '../soak/plan.ts';
import { loadSoakScript } from '../soak/script.ts';
import { bundleScripts } from './bundle.ts';
import { contractOperations, contractsScript, withValidatorNames } from './contracts-script.ts';
import { LOAD_METRICS, loadScript } from './load-script.ts';
import { operatorManifest } from './manifest.ts';
import { exportReadme } from './readme.ts';
import { metricBase } from './script-parts.ts';
import { soakScript } from './soak-script.ts';
import { compileValidators } from './validators.ts';

/** The soak script's stem: a quoted `soak.<x>` would read as a check id to test/unit/check-registry.test.ts. */
const SOAK = 'soak';

export interface ExportOptions {
  outDir: string;
  /** k6-operator runner pods per TestRun. */
  parallelism: number;
}

export interface ExportResult {
  dir: string;
  files: string[];
  /** What was left out and why (no spec, no soak script). */
  notes: string[];
}

/** tsconfig.json beside the scripts, so `tsc -p` checks them against @types/k6. */
const EXPORT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2020',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2020'],
    types: ['k6'],
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
  },
  include: ['*.ts'],
};

/**
 * `shakedown k6 export`: the load, the contracts and the soak sessions of the resolved config as
 * TypeScript k6 scripts, their .js bundles, a k6-operator manifest and a README. No secret is written:
 * the scripts read credentials from k6's environment, and every file is checked for the config's
 * secret values before the export counts as done.
 */
export async function exportK6(loaded: LoadedConfig, options: ExportOptions): Promise<ExportResult> {
  const { config, rootDir } = loaded;
  const source = loaded.file ? path.relative(rootDir, loaded.file) || loaded.file : 'the command line';
  const dir = path.resolve(options.outDir);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  const notes: string[] = [];
  const target = { auth: config.target.auth, baseUrl: config.target.baseUrl };

  const specFile = config.contracts.spec ?? config.target.openapi;
  const spec: ApiSpec | null = specFile
    ? await loadSpec(path.resolve(rootDir, specFile), { displayRoot: rootDir })
    : null;

  files['load.ts'] = loadScript({
    load: config.load,
    mix: resolveRequestMix(config, spec).routes,
    thresholds: config.thresholds,
    ...target,
    source,
  });

  if (spec) {
    const { operations, pointers } = contractOperations(spec);
    const validators = await compileValidators(spec, pointers);
    files['validators.js'] = validators.code;
    files['validators.d.ts'] = validators.types;
    files['contracts.ts'] = contractsScript({
      operations: withValidatorNames(operations, validators.names),
      ...target,
      source,
      spec: spec.displayFile,
    });
  } else notes.push('contracts.ts: skipped, the config names no OpenAPI document (target.openapi).');

  const soakFile = path.resolve(rootDir, config.soak.script);
  if (existsSync(soakFile)) {
    const script = await loadSoakScript(soakFile);
    files['socketio.ts'] = readFileSync(new URL('./runtime/socketio.ts', import.meta.url), 'utf8');
    files[`${SOAK}.ts`] = soakScript({
      plan: resolvePlan(script.options, config.soak),
      thresholds: soakThresholds(script.options.thresholds ?? {}, config.thresholds),
      ...target,
      socketUrl: config.target.socketUrl,
      source,
      script: path.relative(rootDir, soakFile),
    });
  } else notes.push(`soak.ts: skipped, the soak script ${config.soak.script} does not exist.`);

  files['tsconfig.json'] = `${JSON.stringify(EXPORT_TSCONFIG, null, 2)}\n`;
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const scripts = ['load', 'contracts', SOAK].map((name) => `${name}.ts`).filter((f) => f in files);
  const bundles = await bundleScripts(dir, scripts);
  const bundled = Object.fromEntries(bundles.map((b) => [b, readFileSync(path.join(dir, b), 'utf8')]));
  writeFileSync(
    path.join(dir, 'k6-testrun.yaml'),
    operatorManifest({
      scripts: bundled,
      parallelism: options.parallelism,
      ...target,
      socketUrl: config.target.socketUrl,
    }),
  );
  writeFileSync(
    path.join(dir, 'README.md'),
    exportReadme({ files: scripts, auth: config.target.auth, parallelism: options.parallelism, source }),
  );
  const written = [...Object.keys(files), ...bundles, 'k6-testrun.yaml', 'README.md'].sort();
  assertNoSecrets(dir, written, secretValues(loaded));
  return { dir, files: written, notes };
}

/** The soak's thresholds as the soak engine merges them: the script's, the config's replacing the same stat. */
function soakThresholds(
  script: Readonly<Record<string, readonly ThresholdEntry[]>>,
  top: Readonly<Record<string, readonly ThresholdEntry[]>>,
): Record<string, ThresholdEntry[]> {
  const configSide = Object.fromEntries(
    Object.entries(top).filter(([key]) => !LOAD_METRICS.has(metricBase(key))),
  );
  return mergeThresholdEntries(script, configSide);
}

/** `mergeThresholds` on entries as written: the second's replace the first's on the same metric, stat and span. */
export function mergeThresholdEntries(
  first: Readonly<Record<string, readonly ThresholdEntry[]>>,
  second: Readonly<Record<string, readonly ThresholdEntry[]>>,
): Record<string, ThresholdEntry[]> {
  let merged: ThresholdSpec[];
  try {
    merged = mergeThresholds(compileThresholds(first, 'script'), compileThresholds(second, 'config'));
  } catch (error) {
    if (!(error instanceof AggregateError)) throw error;
    throw new ShakedownError('SHK_CONFIG_INVALID', `invalid thresholds:\n${error.message}`);
  }
  const out: Record<string, ThresholdEntry[]> = {};
  for (const spec of merged) {
    const entry: ThresholdEntry = spec.abortOnFail
      ? { threshold: spec.expression.source, abortOnFail: true, delayAbortSec: spec.delayAbortSec }
      : spec.expression.source;
    out[spec.metric] = [...(out[spec.metric] ?? []), entry];
  }
  return out;
}

function secretValues(loaded: LoadedConfig): string[] {
  const { config } = loaded;
  const values = Object.values(config.secrets);
  const auth = config.target.auth;
  const authValue = auth?.type === 'bearer' ? auth.token : auth?.value;
  if (typeof authValue === 'string') values.push(authValue);
  return values.filter((v) => v.length >= 4);
}

/** A safety net under the design: credentials only ever come from k6's environment. */
function assertNoSecrets(dir: string, written: readonly string[], secrets: readonly string[]): void {
  for (const file of written) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    if (secrets.some((secret) => text.includes(secret))) {
      throw new ShakedownError(
        'SHK_INTERNAL',
        `internal error (please report it): ${path.join(dir, file)} contains a secret value from the config; delete the export directory.`,
      );
    }
  }
}
