import type {
  CheckVerdict,
  RunEvent,
  RunStatus,
  RunSummary,
  RunVerdict,
  SuiteSummary,
  TargetLost,
} from './model.ts';

/**
 * Derives the summary from the event stream. It is the only place verdicts are aggregated, so a
 * finished run, a rebuilt run and a run cut short by SIGKILL all get the same rules.
 */
export function buildSummary(events: readonly RunEvent[]): RunSummary {
  const start = events.find((e) => e.type === 'run-start');
  if (!start) throw new Error('events.ndjson has no run-start event');
  const end = events.find((e) => e.type === 'run-end');

  const suites = new Map<string, SuiteSummary>();
  const suiteStartMs = new Map<string, number>();
  let lastAt = start.at;
  for (const event of events) {
    lastAt = event.at;
    switch (event.type) {
      case 'suite-start':
        suites.set(event.suite, {
          kind: event.kind,
          name: event.suite,
          verdict: 'pass',
          durationMs: 0,
          completed: false,
          checks: [],
          intervals: [],
        });
        suiteStartMs.set(event.suite, Date.parse(event.at));
        break;
      case 'check':
        suites.get(event.suite)?.checks.push(event.result);
        break;
      case 'interval':
        suites.get(event.suite)?.intervals.push(event.interval);
        break;
      case 'metrics': {
        const suite = suites.get(event.suite);
        if (suite) suite.metrics = event.metrics;
        break;
      }
      case 'suite-end': {
        const suite = suites.get(event.suite);
        if (!suite) break;
        suite.completed = true;
        suite.durationMs = event.durationMs;
        if (event.error) suite.error = event.error;
        break;
      }
      default:
        break;
    }
  }

  for (const suite of suites.values()) {
    if (!suite.completed) suite.durationMs = Date.parse(lastAt) - (suiteStartMs.get(suite.name) ?? 0);
    suite.verdict = suiteVerdict(suite);
  }

  const suiteList = [...suites.values()];
  const counts: Record<CheckVerdict, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const suite of suiteList) for (const check of suite.checks) counts[check.verdict] += 1;

  const targetLost = findTargetLost(events);
  const status = runStatus(events, end, targetLost);
  const verdict = runVerdict(suiteList, end?.error);
  const summary: RunSummary = {
    schemaVersion: 1,
    runId: start.runId,
    startedAt: start.at,
    finishedAt: end ? end.at : null,
    incomplete: status.state !== 'complete',
    status,
    profile: start.profile,
    shakedownVersion: start.shakedownVersion,
    target: end?.target ?? start.target,
    // A run that did not finish cannot vouch for what it did not run: never `pass`.
    verdict: verdict === 'pass' && status.state !== 'complete' ? 'error' : verdict,
    counts,
    suites: suiteList,
  };
  if (end?.error) summary.error = end.error;
  if (targetLost) summary.targetLost = targetLost;
  if (end?.extra) Object.assign(summary, end.extra);
  return summary;
}

function suiteVerdict(suite: SuiteSummary): RunVerdict {
  // A suite that stopped on an error (e.g. an overloaded load generator) cannot vouch for its checks.
  if (suite.error) return 'error';
  if (suite.checks.some((c) => c.verdict === 'fail')) return 'fail';
  return 'pass';
}

function runVerdict(suites: SuiteSummary[], error: unknown): RunVerdict {
  if (suites.some((s) => s.verdict === 'fail')) return 'fail';
  if (error || suites.some((s) => s.verdict === 'error')) return 'error';
  return 'pass';
}

/**
 * The first thing that cut the run short wins: a lost target, then an interruption, then a run error;
 * a run with no `run-end` was killed before it could write one.
 */
function runStatus(
  events: readonly RunEvent[],
  end: Extract<RunEvent, { type: 'run-end' }> | undefined,
  targetLost: TargetLost | undefined,
): RunStatus {
  const cut = events.find(
    (e) => e.type === 'run-interrupted' || e.type === 'target.exited' || e.type === 'target.unreachable',
  );
  if (cut?.type === 'run-interrupted') {
    const killed = end ? '' : '; the harness exited before it wrote the end of the run';
    return { state: 'interrupted', reason: `${cut.reason}${killed}` };
  }
  if (cut && targetLost) return { state: 'aborted', reason: targetLost.message };
  if (!end)
    return {
      state: 'incomplete',
      reason: 'the run did not finish: events.ndjson has no run-end (the harness was killed or crashed)',
    };
  if (end.error) return { state: 'aborted', reason: `${end.error.code}: ${end.error.message}` };
  return { state: 'complete' };
}

function findTargetLost(events: readonly RunEvent[]): TargetLost | undefined {
  const event = events.find((e) => e.type === 'target.exited' || e.type === 'target.unreachable');
  if (!event || (event.type !== 'target.exited' && event.type !== 'target.unreachable')) return undefined;
  const { type, at: _at, ...rest } = event;
  return { kind: type, ...rest };
}
