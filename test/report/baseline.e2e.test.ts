import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

/**
 * The baseline checks against the reference target: a healthy run compared with a healthy run
 * passes; a run with a planted fault compared with the healthy one fails under the baseline check's
 * own id. Scenarios for `baseline.no-new-failures`, a short soak for `baseline.no-metric-regression`.
 */

const scenarios = `scenarios: { dir: ${JSON.stringify(path.join(REPO_ROOT, 'scenarios'))} },`;

function project(faults: string[], extra: string, env: Record<string, string> = {}): string {
  const dir = tempDir('shakedown-baseline-');
  writeConfig(dir, voiceApiConfig({ faults, env, extra }));
  return dir;
}

describe('baseline.no-new-failures on the reference target', () => {
  let baselineDir = '';

  it('passes when a healthy run is compared with a healthy baseline', async () => {
    const dir = project([], scenarios);
    const first = await runCli(['scenarios', 'rate-limit', '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    baselineDir = latestRunDir(path.join(dir, 'reports'));

    const second = await runCli(['scenarios', 'rate-limit', '-q', '--baseline', baselineDir], { cwd: dir });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(checksWithId(summary, 'baseline.no-new-failures')).toMatchObject([{ verdict: 'pass' }]);
    // Scenarios record no whole-suite metrics: nothing to compare is a skip, not a pass.
    expect(checksWithId(summary, 'baseline.no-metric-regression')).toMatchObject([{ verdict: 'skip' }]);
    expect(summary.baseline?.checks.compared).toBeGreaterThan(3);
    expect(second.stdout).toContain('since baseline');
  }, 90_000);

  it('fails, under its own id, when the rate-limit-off fault breaks a check that passed in the baseline', async () => {
    const dir = project(['rate-limit-off'], scenarios);
    const result = await runCli(['scenarios', 'rate-limit', '-q', '--baseline', baselineDir], { cwd: dir });
    expect(result.code).toBe(1);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const [check] = checksWithId(summary, 'baseline.no-new-failures');
    expect(check.verdict).toBe('fail');
    expect(check.message).toContain('rate-limit.enforced');
    expect(summary.baseline?.checks.newFailures.map((f) => f.id)).toContain('rate-limit.enforced');
    expect(result.stdout).toMatch(/since baseline [\s\S]*new failure/);
  }, 90_000);

  it('refuses, before running anything, a baseline of another profile (exit 2)', async () => {
    const dir = project([], scenarios);
    const result = await runCli(['scenarios', 'rate-limit', '-p', 'quick', '--baseline', baselineDir], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SHK_BASELINE_MISMATCH');
    expect(result.stderr).toContain("profile: this run is 'quick', the baseline 'full'");
    expect(result.stderr).toContain('--force');
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);
  }, 60_000);
});

describe('baseline.no-metric-regression on the reference target', () => {
  // A short soak; tolerances wide enough for a loaded CI machine, far below a 1 s event-loop stall.
  const soak = `soak: { script: ${JSON.stringify(path.join(REPO_ROOT, 'soak/voice-sessions.soak.ts'))}, durationSec: 10, sessions: 6, warmupSec: 2, rampUpSec: 2, windowSec: 2, eventsPerSec: 5 },
  baseline: { latencyMs: 250, latencyPct: 50 },`;
  let baselineDir = '';

  it('passes when a healthy soak is compared with a healthy baseline', async () => {
    const dir = project([], soak);
    await runCli(['soak', '-q'], { cwd: dir });
    baselineDir = latestRunDir(path.join(dir, 'reports'));
    expect(readSummary(baselineDir).suites[0].metrics?.histograms.event_rtt_ms.count).toBeGreaterThan(0);

    await runCli(['soak', '-q', '--baseline', baselineDir], { cwd: dir });
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const [check] = checksWithId(summary, 'baseline.no-metric-regression');
    expect(check.verdict, check.message).toBe('pass');
    expect(summary.baseline?.metrics.some((m) => m.metric === 'event_rtt_ms' && m.stat === 'p99')).toBe(true);
  }, 120_000);

  it('fails, under its own id, when the soak-stall fault blocks the event loop', async () => {
    const dir = project(['soak-stall'], soak, { FAULT_STALL_EVERY_MS: '2000' });
    const result = await runCli(['soak', '-q', '--baseline', baselineDir], { cwd: dir });
    expect(result.code).toBe(1);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const [check] = checksWithId(summary, 'baseline.no-metric-regression');
    expect(check.verdict).toBe('fail');
    expect(check.message).toMatch(/event_rtt_ms p99 .* → .* ms/);
    const regression = summary.baseline?.metrics.find((m) => m.metric === 'event_rtt_ms' && m.stat === 'p99');
    expect(regression?.status).toBe('regression');
  }, 120_000);
});
