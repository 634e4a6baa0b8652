import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failingContractsRun, passingRun, soakRun, writeRunDir } from '../fixtures/report/runs.ts';
import { readSummary, runCli, tempDir } from '../helpers/cli.ts';

/** `shakedown report <runDir>` as a user runs it: the real CLI on synthetic run directories. */
describe('shakedown report', () => {
  it('rebuilds summary.json, junit.xml and index.html from an events.ndjson cut mid-line: incomplete, every complete record kept', async () => {
    const dir = writeRunDir(path.join(tempDir(), 'run'), failingContractsRun({ unfinished: true }), {
      cutLastLine: true,
    });
    const complete = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line));
    const result = await runCli(['report', dir]);
    // A failed check and a run that did not finish: it did not finish is what the exit code says.
    expect(result.code).toBe(5);
    expect(result.stdout).toContain('incomplete: the run did not finish');
    expect(result.stdout).toContain('1 unreadable line(s) skipped');
    expect(result.stdout).toContain(`report: ${path.join(dir, 'index.html')}`);

    const summary = readSummary(dir);
    expect(summary.incomplete).toBe(true);
    const recorded = complete.filter((e) => e.type === 'check').map((e) => e.result);
    expect(summary.suites.flatMap((s) => s.checks)).toEqual(recorded);
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<title>Shakedown INCOMPLETE');
    for (const check of recorded) expect(html).toContain(`<span class="title">${check.title}</span>`);
    expect(existsSync(path.join(dir, 'junit.xml'))).toBe(true);
  }, 30_000);

  it('compares with --baseline: exit 1 on regressions, a since-baseline block, events.ndjson untouched', async () => {
    const root = tempDir();
    const base = writeRunDir(
      path.join(root, 'base'),
      soakRun({ durationSec: 60, seed: 1, runId: '2026-11-22T02-00-00Z-bbbbbb' }),
    );
    const now = writeRunDir(
      path.join(root, 'now'),
      soakRun({ durationSec: 60, seed: 2, latencyFactor: 1.6 }),
    );
    const events = readFileSync(path.join(now, 'events.ndjson'), 'utf8');
    const result = await runCli(['report', now, '--baseline', base]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'since baseline 2026-11-22T02-00-00Z-bbbbbb (full, local (local stack)):',
    );
    expect(result.stdout).toMatch(/\d+ metric regressions:\n\s+voice-sessions › event_rtt_ms p95/);
    const summary = readSummary(now);
    expect(summary.baseline?.counts.regressions).toBeGreaterThan(0);
    expect(summary.suites.at(-1)?.checks.map((c) => [c.id, c.verdict])).toEqual([
      ['baseline.no-new-failures', 'fail'],
      ['baseline.no-metric-regression', 'fail'],
    ]);
    expect(readFileSync(path.join(now, 'index.html'), 'utf8')).toContain('id="since-baseline"');
    expect(readFileSync(path.join(now, 'events.ndjson'), 'utf8')).toBe(events);

    // A run against its own summary.json: nothing new, nothing regressed.
    expect((await runCli(['report', base])).code).toBe(0);
    const same = await runCli(['report', base, '--baseline', path.join(base, 'summary.json')]);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toContain('no new failures');
  }, 30_000);

  it('refuses a baseline of another profile or target with exit 2, and compares anyway with --force', async () => {
    const root = tempDir();
    const base = writeRunDir(path.join(root, 'base'), passingRun({ profile: 'quick' }));
    const staging = writeRunDir(
      path.join(root, 'staging'),
      passingRun({ stack: 'url', baseUrl: 'https://staging.example.com' }),
    );
    const now = writeRunDir(path.join(root, 'now'), passingRun());

    const refused = await runCli(['report', now, '--baseline', base]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("profile: this run is 'full', the baseline 'quick'");
    expect(refused.stderr).toContain('pass --force to compare anyway');
    expect(refused.stderr).toContain('SHK_BASELINE_MISMATCH, exit 2');
    expect(existsSync(path.join(now, 'summary.json'))).toBe(false);

    const otherTarget = await runCli(['report', now, '--baseline', staging]);
    expect(otherTarget.code).toBe(2);
    expect(otherTarget.stderr).toContain(
      'target: this run is local (local stack), the baseline url https://staging.example.com',
    );

    const forced = await runCli(['report', now, '--baseline', base, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('compared anyway (--force)');
    expect(readSummary(now).baseline?.mismatches).toHaveLength(1);
  }, 30_000);

  it('names a --baseline that cannot be read, exit 2', async () => {
    const now = writeRunDir(path.join(tempDir(), 'now'), passingRun());
    const result = await runCli(['report', now, '--baseline', path.join(now, 'missing')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--baseline .*missing: no such file or directory\. Pass a previous run directory/,
    );
  }, 30_000);

  it('--open hands the report to the browser ($BROWSER), and needs the html reporter', async () => {
    const root = tempDir();
    const now = writeRunDir(path.join(root, 'now'), passingRun());
    const seen = path.join(root, 'opened.txt');
    const browser = path.join(root, 'fake-browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    chmodSync(browser, 0o755);
    const result = await runCli(['report', now, '--open'], { env: { BROWSER: browser } });
    expect(result.code).toBe(0);
    const url = pathToFileURL(path.join(now, 'index.html')).href;
    expect(result.stdout).toContain(`opened ${url}`);
    await expect
      .poll(() => (existsSync(seen) ? readFileSync(seen, 'utf8') : ''), { timeout: 10_000 })
      .toBe(url);

    const noHtml = await runCli(['report', now, '--open', '--reporter', 'json']);
    expect(noHtml.code).toBe(2);
    expect(noHtml.stderr).toContain('--open needs the html reporter');
  }, 30_000);
});
