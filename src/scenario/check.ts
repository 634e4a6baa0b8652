import type { HttpClient } from '../http/client.ts';
import type { Check } from '../run/checks.ts';
import type { CheckResult, Evidence } from '../run/model.ts';
import type { SuiteRecorder } from '../run/recorder.ts';
import type { CheckBody, CheckContext, CheckOutcome } from './define.ts';

/** The arguments of `ctx.check`: a declared check (the built-ins'), or a free id and title (users' scenarios). */
export type CheckCall =
  | [check: Check, fn: CheckBody, options?: { title?: string }]
  | [id: string, title: string, fn: CheckBody];

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
  timeoutMs: number,
  call: CheckCall,
): Promise<CheckResult> {
  const { fn, record } = recordAs(call);
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
  return suite.check(record(outcome, Math.round(performance.now() - t0)));
}

type ToResult = (outcome: CheckOutcome, durationMs: number) => CheckResult;

function isFree(call: CheckCall): call is [id: string, title: string, fn: CheckBody] {
  return typeof call[0] === 'string';
}

/** The body of a `ctx.check` call, and how its outcome becomes a result under the check's id. */
function recordAs(call: CheckCall): { fn: CheckBody; record: ToResult } {
  if (isFree(call)) {
    const [id, title, fn] = call;
    return { fn, record: (outcome, durationMs) => ({ id, title, ...outcome, durationMs }) };
  }
  const [check, fn, options] = call;
  return {
    fn,
    record: (outcome, durationMs) =>
      check.result(outcome.verdict, outcome.message, {
        evidence: outcome.evidence,
        title: options?.title,
        durationMs,
      }),
  };
}
