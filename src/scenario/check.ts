import type { HttpClient } from '../http/client.ts';
import type { CheckResult, Evidence } from '../run/model.ts';
import type { SuiteRecorder } from '../run/recorder.ts';
import type { CheckContext, CheckOutcome } from './define.ts';

export function checkContext(http: HttpClient): CheckContext {
  const outcome =
    (verdict: CheckOutcome['verdict']) =>
    (message: string, evidence?: Evidence): CheckOutcome => ({
      verdict,
      message,
      ...(evidence ? { evidence } : {}),
    });
  return {
    pass: outcome('pass'),
    fail: outcome('fail'),
    warn: outcome('warn'),
    skip: outcome('skip'),
    evidence: (exchange, extra) => http.evidence(exchange, extra),
  };
}

/**
 * Runs a check body with a time bound and records its result. A body that throws or overruns is a
 * `fail` with the reason: a crashed check must never read as a pass.
 */
export async function runCheck(
  suite: SuiteRecorder,
  http: HttpClient,
  id: string,
  title: string,
  timeoutMs: number,
  fn: (c: CheckContext) => Promise<CheckOutcome>,
): Promise<CheckResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let outcome: CheckOutcome;
  try {
    outcome = await Promise.race([
      fn(checkContext(http)),
      new Promise<CheckOutcome>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`check did not finish within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    outcome = { verdict: 'fail', message: `check aborted: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  return suite.check({ id, title, ...outcome, durationMs: Math.round(performance.now() - t0) });
}
