import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PID_FILE, reapOrphans } from '../../src/stack/orphans.ts';
import { isProcessAlive } from '../../src/stack/process.ts';
import { CLI, REPO_ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { haveProgram } from '../helpers/system-tools.ts';

// The repo config asks for a private redis-server (stack.redis); without one the target runs on memory.
const REDIS = haveProgram('redis-server', 'test/e2e/stack-up.e2e.test.ts (stack up with a private Redis)');

// Whatever a test's assertions did, its `stack up` and the target it started are gone afterwards.
const started: { up: ChildProcess; out: string }[] = [];
afterEach(() => {
  for (const { up, out } of started.splice(0)) {
    try {
      if (up.pid) process.kill(-up.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    reapOrphans(out);
  }
});

function stackUp(out: string): ChildProcess {
  const up = spawn(process.execPath, [CLI, 'stack', 'up', '--out', out], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push({ up, out });
  return up;
}

async function waitForUrl(read: () => string): Promise<string | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !/is up: (http:\/\/\S+)/.test(read()))
    await new Promise((r) => setTimeout(r, 100));
  return /is up: (http:\/\/\S+)/.exec(read())?.[1];
}

describe.runIf(REDIS)('shakedown stack up / down with the repo config (the reference target)', () => {
  it('brings the stack up, prints its URL, and stack down stops it with nothing left listening', async () => {
    const out = tempDir();
    const up = stackUp(out);
    let output = '';
    up.stdout!.on('data', (d) => {
      output += d;
    });
    up.stderr!.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    const url = await waitForUrl(() => output);
    expect(url, output).toBeDefined();

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(output).toContain('private redis-server');

    const down = await runCli(['stack', 'down', '--out', out]);
    expect(down.code, down.stderr).toBe(0);
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/livez`)).rejects.toThrow();

    // The per-run secrets reached the target (it started) but never its captured output.
    const log = readFileSync(path.join(out, 'stack', 'target.log'), 'utf8');
    expect(log).toContain('"msg":"listening"');
    expect(log).not.toMatch(/whsec_[A-Za-z0-9+/]{8,}/);
  }, 60_000);

  it('a SIGKILLed stack up takes its target and redis with it; stack down clears what is recorded', async () => {
    const out = tempDir();
    const up = stackUp(out);
    let output = '';
    up.stdout!.on('data', (d) => {
      output += d;
    });
    const exited = new Promise((resolve) => up.once('exit', resolve));
    const url = await waitForUrl(() => output);
    expect(url, output).toBeDefined();
    const pidFile = path.join(out, 'stack', PID_FILE);
    const { processes } = JSON.parse(readFileSync(pidFile, 'utf8')) as {
      processes: { label: string; pid: number }[];
    };
    expect(processes.map((p) => p.label).sort()).toEqual(['redis', 'target']);

    up.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && processes.some((p) => isProcessAlive(p.pid)))
      await new Promise((r) => setTimeout(r, 100));
    for (const p of processes) expect(isProcessAlive(p.pid), `${p.label} outlived stack up`).toBe(false);
    await expect(fetch(`${url}/livez`)).rejects.toThrow();

    // The pid file a killed harness could not remove is cleared by the next stack command.
    expect(existsSync(pidFile)).toBe(true);
    const down = await runCli(['stack', 'down', '--out', out]);
    expect(down.code, down.stderr).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  }, 60_000);
});
