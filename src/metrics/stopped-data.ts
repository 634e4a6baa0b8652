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
 * silence as health. What failed on the data gathered before stays a failure; anything else whose id
 * matches `judgedOverTime` is not judged, and says since when it has no samples.
 */
export function unlessDataStopped(
  result: CheckResult,
  stop: DataStop | null,
  judgedOverTime: RegExp,
): CheckResult {
  if (!stop || result.verdict === 'fail' || !judgedOverTime.test(result.id)) return result;
  return {
    ...result,
    verdict: 'skip',
    message: `not judged: no samples since ${clock(stop.atMs)}, ${stop.message}. (On the data before: ${result.message})`,
  };
}
