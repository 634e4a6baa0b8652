import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { haveProgram } from '../helpers/system-tools.ts';

// The repo config asks for a private redis-server (stack.redis); without one the target runs on memory.
const REDIS = haveProgram('redis-server', 'test/e2e/stack-up.e2e.test.ts (stack up with a private Redis)');

describe.runIf(REDIS)('shakedown stack up / down with the repo config (the reference target)', () => {
  it('brings the stack up, prints its URL, and stack down stops it with nothing left listening', async () => {
    const out = tempDir();
    const up = spawn(process.execPath, [CLI, 'stack', 'up', '--out', out], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    up.stdout.on('data', (d) => {
      output += d;
    });
    up.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !/is up: (http:\/\/\S+)/.test(output))
      await new Promise((r) => setTimeout(r, 100));
    const url = /is up: (http:\/\/\S+)/.exec(output)?.[1];
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
});
