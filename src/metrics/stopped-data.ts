import type { Check } from '../run/checks.ts';
import type { CheckResult } from '../run/model.ts';

/** When the target went away during a run, and what the stack said about it. */
export interface DataStop {
  atMs: number;
  message: string;
}

/** `0:11`: minutes and seconds since the run's engine started. */
export function clock(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
}

/**
 * After the target was lost, a verdict judged over time (leak, drift, thresholds…) would read the
 * silence as health. What failed on the data gathered before stays a failure; anything else of the
 * checks `judgedOverTime` is not judged, and says since when it has no samples.
 */
export function unlessDataStopped(
  result: CheckResult,
  stop: DataStop | null,
  judgedOverTime: readonly Check[],
): CheckResult {
  if (!stop || result.verdict === 'fail') return result;
  const check = judgedOverTime.find((c) => c.id === result.id);
  if (!check) return result;
  const message = `not judged: no samples since ${clock(stop.atMs)}, ${stop.message}. (On the data before: ${result.message})`;
  return check.result('skip', message, {
    title: result.title,
    evidence: result.evidence,
    durationMs: result.durationMs,
  });
}
