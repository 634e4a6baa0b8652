import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ShakedownError } from '../../errors.ts';
import type { RunSummary } from '../../run/model.ts';
import { readEvents } from '../../run/run-dir.ts';
import { buildSummary } from '../../run/summary.ts';

export interface LoadedBaseline {
  summary: RunSummary;
  /** Where it was read from, as an absolute path (a `latest` link resolved). */
  source: string;
}

const HOW = 'Pass a previous run directory (reports/<runId>) or its summary.json.';

/**
 * Reads `--baseline <runDir|summary.json>`. A run directory without a summary.json (a run that was
 * killed) is rebuilt from its events.ndjson, like `shakedown report` would.
 */
export function loadBaseline(given: string, cwd = process.cwd()): LoadedBaseline {
  const resolved = path.resolve(cwd, given);
  if (!existsSync(resolved)) {
    throw new ShakedownError('SHK_RUN_DIR_INVALID', `--baseline ${given}: no such file or directory. ${HOW}`);
  }
  const source = realpathSync(resolved);
  if (statSync(source).isDirectory()) {
    const file = path.join(source, 'summary.json');
    if (existsSync(file)) return { summary: readSummaryFile(file, given), source };
    return { summary: buildSummary(readEvents(source).events), source };
  }
  return { summary: readSummaryFile(source, given), source };
}

function readSummaryFile(file: string, given: string): RunSummary {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ShakedownError(
      'SHK_RUN_DIR_INVALID',
      `--baseline ${given}: ${file} is not valid JSON (${(error as Error).message}). ${HOW}`,
    );
  }
  const problem = summaryProblem(value);
  if (problem) {
    throw new ShakedownError(
      'SHK_RUN_DIR_INVALID',
      `--baseline ${given}: ${file} is not a Shakedown summary.json (${problem}). ${HOW}`,
    );
  }
  return value as RunSummary;
}

/** Just enough shape to compare safely; the full schema is src/report/schema/summary.schema.json. */
function summaryProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.schemaVersion !== 1) return `schemaVersion is ${JSON.stringify(v.schemaVersion)}, expected 1`;
  for (const field of ['runId', 'startedAt', 'profile'] as const) {
    if (typeof v[field] !== 'string') return `${field} is missing`;
  }
  const target = v.target as Record<string, unknown> | undefined;
  if (!target || typeof target.baseUrl !== 'string' || typeof target.stack !== 'string') {
    return 'target is missing';
  }
  if (!Array.isArray(v.suites)) return 'suites is missing';
  return null;
}
