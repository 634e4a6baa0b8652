import type { CheckVerdict, RunEvent, RunSummary, RunVerdict, SuiteSummary } from './model.ts';

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

  const summary: RunSummary = {
    schemaVersion: 1,
    runId: start.runId,
    startedAt: start.at,
    finishedAt: end ? end.at : null,
    incomplete: !end,
    profile: start.profile,
    shakedownVersion: start.shakedownVersion,
    target: end?.target ?? start.target,
    verdict: runVerdict(suiteList, end?.error),
    counts,
    suites: suiteList,
  };
  if (end?.error) summary.error = end.error;
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
