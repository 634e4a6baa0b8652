import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult, RunSummary, SuiteSummary } from '../../run/model.ts';
import type { Reporter } from '../../run/reporter.ts';

export const JUNIT_FILE = 'junit.xml';

/** Writes `junit.xml`: one `<testsuite>` per suite, one `<testcase>` per check (Jenkins/GitLab/GitHub dialect). */
export function junitReporter(): Reporter {
  return {
    name: 'junit',
    onRunEnd(summary, runDir) {
      writeFileSync(path.join(runDir, JUNIT_FILE), renderJunit(summary));
    },
  };
}

export function renderJunit(summary: RunSummary): string {
  const all = summary.suites.flatMap((s) => s.checks);
  const unfinished = runStatusCase(summary);
  const errors = summary.suites.filter((s) => s.error).length + (unfinished ? 1 : 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shakedown ${attr(summary.runId)}" tests="${all.length + (unfinished ? 1 : 0)}" failures="${count(all, 'fail')}" errors="${errors}" skipped="${count(all, 'skip')}" time="${seconds(totalMs(summary))}">`,
  ];
  if (unfinished) lines.push(...unfinished);
  summary.suites.forEach((suite, index) => {
    lines.push(...renderSuite(suite, index, summary));
  });
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/**
 * A run that did not finish gets a testcase of its own with an `<error>`: a CI gate that reads only
 * junit.xml must not see a green run when the harness was killed or the target died.
 */
function runStatusCase(summary: RunSummary): string[] | null {
  const status = summary.status ?? (summary.incomplete ? { state: 'incomplete' } : { state: 'complete' });
  if (status.state === 'complete') return null;
  const reason = status.reason ?? 'the run did not finish';
  const details = [reason, summary.targetLost?.logTail ? `target output:\n${summary.targetLost.logTail}` : '']
    .filter(Boolean)
    .join('\n');
  return [
    `  <testsuite name="run" id="run" tests="1" failures="0" errors="1" skipped="0" time="${seconds(totalMs(summary))}">`,
    `    <testcase name="run.status: the run finished" classname="shakedown.run" time="0">`,
    `      <error message="${attr(`run ${status.state}: ${reason}`)}" type="run.${attr(status.state)}">${text(details)}</error>`,
    '    </testcase>',
    '  </testsuite>',
  ];
}

function renderSuite(suite: SuiteSummary, index: number, summary: RunSummary): string[] {
  const checks = suite.checks;
  const out = [
    `  <testsuite name="${attr(`${suite.kind}:${suite.name}`)}" id="${index}" tests="${checks.length}" failures="${count(checks, 'fail')}" errors="${suite.error ? 1 : 0}" skipped="${count(checks, 'skip')}" time="${seconds(suite.durationMs)}" timestamp="${attr(summary.startedAt.replace(/\.\d+Z$/, ''))}" hostname="${attr(hostOf(summary.target.baseUrl))}">`,
  ];
  for (const check of checks) out.push(...renderCase(suite, check));
  if (suite.error) out.push(`    <system-err>${text(`suite error: ${suite.error}`)}</system-err>`);
  out.push('  </testsuite>');
  return out;
}

function renderCase(suite: SuiteSummary, check: CheckResult): string[] {
  const open = `    <testcase name="${attr(`${check.id}: ${check.title}`)}" classname="${attr(`shakedown.${suite.kind}.${suite.name}`)}" time="${seconds(check.durationMs ?? 0)}"`;
  const details = [check.message, ...(check.evidence?.errors ?? [])];
  if (check.evidence?.curl) details.push(`reproduce: ${check.evidence.curl}`);
  switch (check.verdict) {
    case 'fail':
      return [
        `${open}>`,
        `      <failure message="${attr(check.message)}" type="${attr(check.id)}">${text(details.join('\n'))}</failure>`,
        '    </testcase>',
      ];
    case 'skip':
      return [`${open}>`, `      <skipped message="${attr(check.message)}"/>`, '    </testcase>'];
    case 'warn':
      return [
        `${open}>`,
        `      <system-out>${text(`WARN: ${details.join('\n')}`)}</system-out>`,
        '    </testcase>',
      ];
    default:
      return [`${open}/>`];
  }
}

function count(checks: readonly CheckResult[], verdict: CheckResult['verdict']): number {
  return checks.filter((c) => c.verdict === verdict).length;
}

function totalMs(summary: RunSummary): number {
  const end = summary.finishedAt ? Date.parse(summary.finishedAt) : Date.parse(summary.startedAt);
  return Math.max(0, end - Date.parse(summary.startedAt));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown';
  }
}

// XML 1.0 forbids most control characters even when escaped; servers send them anyway.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
