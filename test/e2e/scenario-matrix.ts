import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { CheckResult, RunSummary } from '../../src/run/model.ts';
import {
  type CliResult,
  latestRunDir,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

/**
 * The detection matrix: one scenario against the reference target, healthy or with planted faults,
 * and the checks that must fail. Each row is a fresh temp project (config + one scenario script),
 * run through the real CLI.
 */
export interface MatrixRow {
  /** The faults switched on (VOICE_API_FAULTS); empty for the healthy target. */
  faults: string[];
  /** The check ids that must fail; every other check of the scenario must not. */
  fails: string[];
  /** Why a row lists more than one id: how one bug shows up under several checks. */
  note?: string;
  /** Verdicts pinned for checks that must not fail but cannot pass under the fault either. */
  others?: Record<string, 'pass' | 'warn' | 'skip'>;
}

export interface ScenarioRun {
  cli: CliResult;
  summary: RunSummary;
  checks: CheckResult[];
}

/** `import { factory } from 'shakedown'; export default factory(<options>);` for a temp project. */
export function scenarioSource(factory: string, options: string): string {
  return `import { ${factory} } from ${JSON.stringify(SHAKEDOWN_IMPORT)};\n\nexport default ${factory}(${options});\n`;
}

/**
 * A temp project with `scenarios/<name>.scenario.ts` and a config for the reference target on the
 * local stack (or `config` as given), writing only the JSON summary the assertions read.
 */
export function scenarioProject(options: {
  name: string;
  source: string;
  faults?: string[];
  env?: Record<string, string>;
  config?: string;
}): string {
  const dir = tempDir('shakedown-scenario-');
  const extra = "scenarios: { dir: 'scenarios' }, profile: 'quick', reporters: ['console', 'json'],";
  writeConfig(dir, options.config ?? voiceApiConfig({ faults: options.faults, env: options.env, extra }));
  mkdirSync(path.join(dir, 'scenarios'));
  writeFileSync(path.join(dir, 'scenarios', `${options.name}.scenario.ts`), options.source);
  return dir;
}

/** `shakedown scenarios <name>` in the project; the summary of the run it wrote. */
export async function runScenario(dir: string, name: string, timeoutMs = 90_000): Promise<ScenarioRun> {
  const cli = await runCli(['scenarios', name], { cwd: dir, timeoutMs });
  let summary: RunSummary;
  try {
    summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  } catch (error) {
    throw new Error(
      `no summary (exit ${cli.code}): ${(error as Error).message}\n${cli.stderr}\n${cli.stdout}`,
    );
  }
  return { cli, summary, checks: summary.suites.flatMap((s) => s.checks) };
}

/**
 * The row's verdicts: exit 1 with exactly the listed checks failing (each under its own id), or
 * exit 0 with none failing. The messages go into the assertion so a red row explains itself.
 */
export function expectDetection(
  run: ScenarioRun,
  row: Pick<MatrixRow, 'fails' | 'others'>,
  allIds: readonly string[],
): void {
  const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
  expect(run.summary.error, report).toBeUndefined();
  expect(
    run.checks.map((c) => c.id),
    report,
  ).toEqual(allIds);
  const failed = run.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
  expect(failed.sort(), report).toEqual([...row.fails].sort());
  for (const [id, verdict] of Object.entries(row.others ?? {})) {
    expect(verdicts(run)[id], report).toBe(verdict);
  }
  expect(run.cli.code, `${report}\n${run.cli.stderr}`).toBe(row.fails.length > 0 ? 1 : 0);
}

/** The verdict of each check, by id. */
export function verdicts(run: ScenarioRun): Record<string, string> {
  return Object.fromEntries(run.checks.map((c) => [c.id, c.verdict]));
}
