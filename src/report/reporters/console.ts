import type { Writable } from 'node:stream';
import type {
  CheckResult,
  CheckVerdict,
  IntervalRecord,
  MetricsSnapshot,
  RunSummary,
} from '../../run/model.ts';
import type { Progress, Reporter } from '../../run/reporter.ts';
import { formatSinceBaseline } from '../baseline/format.ts';

export interface ConsoleReporterOptions {
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Only the final verdict and the failures. */
  quiet?: boolean;
  /**
   * Every warning and skip on its own line, as it happens. Without it, warnings and skips are grouped
   * at the end of their suite: one line per check id and verdict, with a count.
   */
  verbose?: boolean;
  /** Minimum gap between two plain progress lines when the stream is not a TTY. */
  plainProgressEveryMs?: number;
}

const MARK: Record<CheckVerdict, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

/**
 * Live progress on a TTY (one status line rewritten in place); otherwise plain lines, so CI logs stay
 * readable: one per metric window for a soak or load suite, periodic progress lines for the rest.
 * Failures are printed as they happen with their curl reproduction.
 */
export function consoleReporter(options: ConsoleReporterOptions = {}): Reporter {
  const out = options.stream ?? process.stdout;
  const tty = Boolean(out.isTTY);
  const quiet = options.quiet ?? false;
  const verbose = options.verbose ?? false;
  // suite → `${verdict} ${id}` → the first result and how many there were.
  const grouped = new Map<string, Map<string, { first: Readonly<CheckResult>; count: number }>>();
  const plainEveryMs = options.plainProgressEveryMs ?? 10_000;
  const counts: Record<CheckVerdict, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  let statusShown = false;
  let lastPlainAt = 0;
  const totalMsBySuite = new Map<string, number | undefined>();
  // Suites whose windows are already printed: their plain progress lines would say it twice.
  const windowed = new Set<string>();

  const clearStatus = () => {
    if (tty && statusShown) out.write('\r\x1b[2K');
    statusShown = false;
  };
  const line = (text: string) => {
    clearStatus();
    out.write(`${text}\n`);
  };
  const flushGroups = (suite: string) => {
    const groups = grouped.get(suite);
    grouped.delete(suite);
    for (const { first, count } of groups?.values() ?? []) {
      const times = count > 1 ? ` ×${count}` : '';
      const more = count > 1 ? ` (and ${count - 1} more like it; --verbose lists them)` : '';
      line(`  ${MARK[first.verdict]} ${first.id}${times} ${first.message}${more}`);
    }
  };

  return {
    name: 'console',
    onRunStart(run) {
      if (!quiet)
        line(
          `shakedown ${run.command} · run ${run.runId} · ${run.target.stack} ${run.target.baseUrl} · profile ${run.profile}`,
        );
    },
    onSuiteStart(suite) {
      if (!quiet) line(`▶ ${suite.kind} ${suite.name}`);
    },
    onCheck(suite, result) {
      counts[result.verdict] += 1;
      if (result.verdict === 'fail') line(describeFailure(result));
      else if (quiet || result.verdict === 'pass') return;
      else if (verbose) line(`  ${MARK[result.verdict]} ${result.id} ${result.message}`);
      else {
        const groups = grouped.get(suite) ?? new Map();
        grouped.set(suite, groups);
        const key = `${result.verdict} ${result.id}`;
        const group = groups.get(key);
        if (group) group.count += 1;
        else groups.set(key, { first: result, count: 1 });
      }
    },
    onLog(level, message) {
      if (!quiet || level === 'error') line(`${level === 'info' ? '·' : level.toUpperCase()} ${message}`);
    },
    onProgress(progress) {
      if (quiet) return;
      totalMsBySuite.set(progress.suite, progress.totalMs);
      const text = formatProgress(progress, counts);
      if (tty) {
        out.write(`\r\x1b[2K${text.slice(0, Math.max(20, (out.columns ?? 120) - 1))}`);
        statusShown = true;
      } else if (!windowed.has(progress.suite) && Date.now() - lastPlainAt >= plainEveryMs) {
        lastPlainAt = Date.now();
        out.write(`${text}\n`);
      }
    },
    onInterval(suite, interval) {
      if (quiet || tty) return;
      windowed.add(suite);
      out.write(`${formatWindow(suite, interval, totalMsBySuite.get(suite))}\n`);
    },
    onSuiteEnd(suite) {
      if (quiet) return;
      flushGroups(suite.name);
      const c = tally(suite.checks);
      line(
        `◀ ${suite.name} ${suite.verdict} · ${c} · ${(suite.durationMs / 1000).toFixed(1)}s${suite.error ? ` · ${suite.error}` : ''}`,
      );
    },
    onRunEnd(summary, runDir) {
      // Suites that never ended (an interrupted run) still say what they warned about.
      for (const suite of [...grouped.keys()]) flushGroups(suite);
      if (summary.baseline) line(formatSinceBaseline(summary.baseline));
      line(finalLine(summary, runDir));
    },
  };
}

function describeFailure(result: Readonly<CheckResult>): string {
  const lines = [`  ✗ ${result.id} ${result.title}: ${result.message}`];
  for (const error of result.evidence?.errors?.slice(0, 5) ?? []) lines.push(`      ${error}`);
  if (result.evidence?.curl) lines.push(`      reproduce: ${result.evidence.curl}`);
  return lines.join('\n');
}

function formatProgress(progress: Progress, counts: Record<CheckVerdict, number>): string {
  const elapsed = `${Math.round(progress.elapsedMs / 1000)}s`;
  let timing = elapsed;
  if (progress.totalMs) {
    const fraction = Math.min(1, progress.elapsedMs / progress.totalMs);
    const filled = Math.round(fraction * 20);
    const remaining = Math.max(0, Math.round((progress.totalMs - progress.elapsedMs) / 1000));
    timing = `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${elapsed} / ${remaining}s left`;
  }
  const checks = `${counts.pass}✓ ${counts.fail}✗ ${counts.warn}! ${counts.skip}-`;
  return `  ${progress.suite} ${timing} · ${checks}${progress.status ? ` · ${progress.status}` : ''}`;
}

/**
 * `  voice-sessions 10–20s of 60s · sessions 20 · 40 ev/s · p95 3 ms · p99 8 ms · lost 0 · disc 0 · rss 80 MB · cpu 12%`
 * Each part appears when its metric is in the window: events for a soak, requests for a load run,
 * server RSS when the target was sampled; `cpu` is the load generator's.
 */
function formatWindow(suite: string, interval: Readonly<IntervalRecord>, totalMs?: number): string {
  const m: MetricsSnapshot = interval.metrics;
  // Tenths only where they matter: a short final window, say `30–30.4s`.
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10}`;
  const windowSec = (interval.endMs - interval.startMs) / 1000;
  // Under a second (the drain after the last window, a stop mid-window) a rate would be noise: a count.
  const rate = (count: number, unit: string) =>
    windowSec >= 1 ? `${Math.round(count / windowSec)} ${unit}/s` : `${count} ${unit} (drain)`;
  const parts = [
    `${suite} ${seconds(interval.startMs)}–${seconds(interval.endMs)}s${totalMs ? ` of ${seconds(totalMs)}s` : ''}`,
  ];
  const sessions = m.gauges?.sessions_active;
  if (sessions !== undefined) parts.push(`sessions ${sessions}`);
  const events = m.counters?.events_acked;
  const requests = m.counters?.http_reqs;
  if (events !== undefined) parts.push(rate(events, 'ev'));
  else if (requests !== undefined) parts.push(rate(requests, 'req'));
  const latency = m.histograms?.event_rtt_ms ?? m.histograms?.http_req_ms ?? m.histograms?.http_req_duration;
  if (latency) parts.push(`p95 ${formatMs(latency.p95)}`, `p99 ${formatMs(latency.p99)}`);
  if (m.counters?.events_sent !== undefined) {
    parts.push(`lost ${m.counters.events_lost ?? 0}`, `disc ${m.counters.disconnects ?? 0}`);
  }
  const rssBytes = m.gauges?.server_rss_bytes;
  if (rssBytes !== undefined) parts.push(`rss ${Math.round(rssBytes / 1_000_000)} MB`);
  const cpuPct = m.gauges?.generator_cpu_pct;
  if (cpuPct !== undefined) parts.push(`cpu ${Math.round(cpuPct)}%`);
  return `  ${parts.join(' · ')}`;
}

function formatMs(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${Math.round(value * 10) / 10} ms`;
}

function tally(checks: readonly CheckResult[]): string {
  const c: Record<CheckVerdict, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const check of checks) c[check.verdict] += 1;
  return `${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.skip} skipped`;
}

function finalLine(summary: Readonly<RunSummary>, runDir: string): string {
  const c = summary.counts;
  const status = summary.status ?? { state: summary.incomplete ? 'incomplete' : 'complete' };
  const unfinished =
    status.state === 'complete'
      ? ''
      : ` (${status.state.toUpperCase()}: ${status.reason ?? 'the run did not finish'})`;
  const verdict = summary.verdict.toUpperCase() + unfinished;
  const error = summary.error
    ? `\n${summary.error.message}\n  (${summary.error.code}, exit ${summary.error.exitCode})`
    : '';
  return `${verdict} · ${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.skip} skipped · report: ${runDir}${error}`;
}
