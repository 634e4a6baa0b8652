import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.ts';
import { suiteCharts } from '../../../src/report/html/charts.ts';
import { escapeHtml } from '../../../src/report/html/html.ts';
import { renderJunit } from '../../../src/report/reporters/junit.ts';
import type { IntervalRecord, RunEvent, SuiteSummary, TargetLost } from '../../../src/run/model.ts';
import { buildSummary } from '../../../src/run/summary.ts';
import { exitCodeFor } from '../../../src/runner.ts';
import { PID_FILE, reapOrphans } from '../../../src/stack/orphans.ts';
import { isProcessAlive } from '../../../src/stack/process.ts';
import { reachabilityWatcher } from '../../../src/stack/watch.ts';
import { tempDir } from '../../helpers/cli.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s)).toISOString();
const start: RunEvent = {
  type: 'run-start',
  at: at(0),
  runId: '2026-12-03T12-00-00Z-abcdef',
  profile: 'quick',
  shakedownVersion: '0.1.0',
  target: { baseUrl: 'http://127.0.0.1:1', stack: 'local' },
  command: 'soak',
};
const passingSuite: RunEvent[] = [
  { type: 'suite-start', at: at(1), suite: 'voice-sessions', kind: 'soak' },
  {
    type: 'check',
    at: at(2),
    suite: 'voice-sessions',
    result: { id: 'soak.memory-leak', title: 'No leak', verdict: 'pass', message: 'flat' },
  },
];
const suiteEnd: RunEvent = { type: 'suite-end', at: at(3), suite: 'voice-sessions', durationMs: 2000 };
const end: RunEvent = { type: 'run-end', at: at(4) };

describe('run status: only a whole run can pass', () => {
  it('a finished run is complete and exits by its verdict', () => {
    const summary = buildSummary([start, ...passingSuite, suiteEnd, end]);
    expect(summary.status).toEqual({ state: 'complete' });
    expect(summary.incomplete).toBe(false);
    expect(summary.verdict).toBe('pass');
    expect(exitCodeFor(summary)).toBe(ExitCode.Pass);
    expect(renderJunit(summary)).not.toContain('<error');
  });

  it('a killed run (no run-end) is incomplete: verdict error, exit 5, a junit error names why', () => {
    const summary = buildSummary([start, ...passingSuite]);
    expect(summary.status.state).toBe('incomplete');
    expect(summary.status.reason).toContain('no run-end');
    expect(summary.incomplete).toBe(true);
    expect(summary.verdict).toBe('error');
    expect(exitCodeFor(summary)).toBe(ExitCode.Incomplete);
    const junit = renderJunit(summary);
    expect(junit).toMatch(/<testsuites [^>]*tests="2" failures="0" errors="1"/);
    expect(junit).toContain('<error message="run incomplete: the run did not finish');
  });

  it('an interrupted run is interrupted even when every check passed, and even if killed afterwards', () => {
    const interrupted: RunEvent = {
      type: 'run-interrupted',
      at: at(2),
      reason: 'interrupted by Ctrl-C (SIGINT)',
    };
    const whole = buildSummary([start, ...passingSuite, interrupted, suiteEnd, end]);
    expect(whole.status).toEqual({ state: 'interrupted', reason: 'interrupted by Ctrl-C (SIGINT)' });
    expect(whole.verdict).toBe('error');
    expect(exitCodeFor(whole)).toBe(ExitCode.Incomplete);
    const killed = buildSummary([start, ...passingSuite, interrupted]);
    expect(killed.status.state).toBe('interrupted');
    expect(killed.status.reason).toContain('exited before it wrote the end of the run');
  });

  it('a lost target aborts the run and is kept in the summary', () => {
    const lost: RunEvent = {
      type: 'target.exited',
      at: at(2),
      message: 'target exited with signal SIGKILL',
      exitCode: null,
      signal: 'SIGKILL',
      logTail: 'listening\n\u001b[31mbye',
    };
    const summary = buildSummary([start, ...passingSuite, lost, suiteEnd, end]);
    expect(summary.status).toEqual({ state: 'aborted', reason: 'target exited with signal SIGKILL' });
    expect(summary.targetLost).toMatchObject<Partial<TargetLost>>({
      kind: 'target.exited',
      signal: 'SIGKILL',
    });
    expect(exitCodeFor(summary)).toBe(ExitCode.Incomplete);
    expect(renderJunit(summary)).toContain('type="run.aborted"');
  });

  it('a failed check still fails an unfinished run; a run error keeps its own exit code', () => {
    const failing: RunEvent = {
      type: 'check',
      at: at(2),
      suite: 'voice-sessions',
      result: { id: 'soak.latency-drift', title: 'drift', verdict: 'fail', message: 'x2' },
    };
    const summary = buildSummary([start, ...passingSuite, failing]);
    expect(summary.verdict).toBe('fail');
    expect(exitCodeFor(summary)).toBe(ExitCode.Incomplete);
    const error = { code: 'SHK_STACK_START', message: 'no', exitCode: 3 };
    const errored = buildSummary([start, { type: 'run-end', at: at(1), error }]);
    expect(errored.status.state).toBe('aborted');
    expect(exitCodeFor(errored)).toBe(ExitCode.Unavailable);
  });
});

describe('reports show what a target sent', () => {
  it('escapes control bytes as visible \\x sequences in HTML', () => {
    expect(escapeHtml('a\u001b[31mred\u0000<b>')).toBe('a\\x1b[31mred\\x00&lt;b&gt;');
    expect(escapeHtml('line\nnext\ttab')).toBe('line\nnext\ttab');
  });
});

describe('a short final window', () => {
  it('gets a gap in the throughput chart instead of a rate that flattens the rest', () => {
    const window = (startMs: number, endMs: number, ended: number): IntervalRecord => ({
      startMs,
      endMs,
      metrics: { histograms: {}, counters: { sessions_ended: ended }, gauges: {} },
    });
    const suite: SuiteSummary = {
      kind: 'soak',
      name: 'voice-sessions',
      verdict: 'pass',
      durationMs: 30_040,
      completed: true,
      checks: [],
      intervals: [
        window(0, 10_000, 100),
        window(10_000, 20_000, 110),
        window(20_000, 30_000, 95),
        window(30_000, 30_040, 10),
      ],
    };
    const throughput = suiteCharts(suite, 's').find((c) =>
      c.series.some((s) => s.label === 'sessions_ended/s'),
    );
    expect(throughput?.series[0].values).toEqual([10, 11, 9.5, null]);
  });
});

describe('no orphans', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('reaps a process group listed in stack.pids whose harness is gone, and only then', async () => {
    const out = tempDir();
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    try {
      const runDir = path.join(out, 'run-1');
      mkdirSync(runDir);
      const file = path.join(runDir, PID_FILE);
      // A live harness (this process) owns it: left alone.
      writeFileSync(
        file,
        JSON.stringify({ harnessPid: process.ppid, processes: [{ label: 'target', pid }] }),
      );
      expect(reapOrphans(out)).toEqual([]);
      expect(isProcessAlive(pid)).toBe(true);
      // A harness that no longer exists: its target is killed and the file removed.
      writeFileSync(file, JSON.stringify({ harnessPid: 2 ** 22 + 1, processes: [{ label: 'target', pid }] }));
      expect(reapOrphans(out)).toEqual([`target (pid ${pid}) left by an earlier run in ${runDir}`]);
      await new Promise((resolve) => child.once('exit', resolve));
      expect(existsSync(file)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('names a url target that stops accepting connections as unreachable within 2 s', async () => {
    const server = createServer((s) => s.destroy());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const watcher = reachabilityWatcher(`http://127.0.0.1:${port}`);
    const lost: TargetLost[] = [];
    watcher.onLost((l) => lost.push(l));
    await new Promise((r) => setTimeout(r, 1_200));
    expect(lost).toEqual([]);
    server.close();
    const closedAt = Date.now();
    while (lost.length === 0 && Date.now() - closedAt < 3_000) await new Promise((r) => setTimeout(r, 50));
    watcher.stop();
    expect(Date.now() - closedAt).toBeLessThan(2_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ kind: 'target.unreachable', failedProbes: 3 });
    expect(lost[0].message).toContain('ECONNREFUSED');
  });
});
