import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { RunSummary, SuiteKind, SuiteSummary } from '../../src/run/model.ts';
import { PID_FILE } from '../../src/stack/orphans.ts';
import { type CliResult, checksWithId, latestRunDir, readSummary } from './cli.ts';

/** A finished engine run: the CLI's output, its summary, its suite, and its checks by id. */
export interface SuiteRun extends CliResult {
  summary: RunSummary;
  suite: SuiteSummary;
  /** The one result with this id (asserts there is exactly one). */
  check(id: string): ReturnType<typeof checksWithId>[number];
}

/** Reads the latest run under `outDir` for an engine run the CLI just finished. */
export function suiteRun(result: CliResult, outDir: string, kind: SuiteKind): SuiteRun {
  const summary = readSummary(latestRunDir(outDir));
  const suite = summary.suites.find((s) => s.kind === kind)!;
  return {
    ...result,
    summary,
    suite,
    check: (id) => {
      const found = checksWithId(summary, id);
      expect(found, `${id} recorded once`).toHaveLength(1);
      return found[0];
    },
  };
}

/** stderr and every check of the suite, one a line: the message of a failed expectation. */
export const explain = (run: SuiteRun) =>
  `${run.stderr}\n${run.suite?.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n')}`;

/** Waits until the run directory's events.ndjson holds `count` windows. */
export async function waitForIntervals(
  runDir: () => string,
  count: number,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const events = readFileSync(path.join(runDir(), 'events.ndjson'), 'utf8');
      if ((events.match(/"type":"interval"/g) ?? []).length >= count) return;
    } catch {
      // The run directory does not exist yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ${count} intervals within ${timeoutMs / 1000} s`);
}

/** The processes a local stack started, by label (`target`, `redis`), from the run's `stack.pids`. */
export function stackProcesses(runDir: string): Map<string, number> {
  const { processes } = JSON.parse(readFileSync(path.join(runDir, PID_FILE), 'utf8')) as {
    processes: { label: string; pid: number }[];
  };
  return new Map(processes.map((p) => [p.label, p.pid]));
}
