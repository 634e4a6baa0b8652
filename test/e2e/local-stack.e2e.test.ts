import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { LocalStackConfig } from '../../src/config/schema.ts';
import type { TargetLost } from '../../src/run/model.ts';
import { Redactor } from '../../src/run/redact.ts';
import { startLocalStack } from '../../src/stack/local.ts';
import { isProcessAlive } from '../../src/stack/process.ts';
import { REPO_ROOT, runCli, tempDir, writeConfig } from '../helpers/cli.ts';
import { haveProgram } from '../helpers/system-tools.ts';

const SERVER = path.join(REPO_ROOT, 'test/fixtures/stack/tiny-server.ts');

function stackConfig(overrides: Record<string, unknown> = {}): LocalStackConfig {
  const config = resolveConfig({
    stack: { kind: 'local', command: ['node', SERVER], readyTimeoutMs: 5_000, ...overrides },
  });
  if (config.stack.kind !== 'local') throw new Error('expected a local stack');
  return config.stack;
}

describe('local stack', () => {
  it('starts the command on a free port, waits for readiness, passes env through, logs redacted output', async () => {
    const logDir = tempDir();
    const redactor = new Redactor({ values: ['tok_secret_in_env_123'] });
    const stack = await startLocalStack({
      config: stackConfig({ env: { ECHO_VAR: 'from-config', SECRET_TOKEN: 'tok_secret_in_env_123' } }),
      rootDir: REPO_ROOT,
      logDir,
      redactor,
      baseEnv: { ...process.env, INHERITED: 'yes' },
    });
    try {
      expect(stack.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${stack.baseUrl}/env`);
      expect(await res.json()).toMatchObject({ echo: 'from-config', port: stack.baseUrl.split(':')[2] });
      expect(stack.launchSpec()?.env.INHERITED).toBe('yes');
      expect(stack.pid()).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
    const log = readFileSync(path.join(logDir, 'target.log'), 'utf8');
    expect(log).toContain('"msg":"listening"');
    expect(log).not.toContain('tok_secret_in_env_123');
    expect(log).toContain('<redacted>');
  });

  it('leaves no process behind, even for a shell command with a child', async () => {
    const stack = await startLocalStack({
      config: stackConfig({ command: `"${process.execPath}" "${SERVER}" & wait` }),
      rootDir: REPO_ROOT,
      redactor: new Redactor(),
    });
    const shellPid = stack.pid()!;
    try {
      const res = await fetch(`${stack.baseUrl}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      await stack.stop();
    }
    expect(isProcessAlive(shellPid)).toBe(false);
    // The server (the shell's child) is gone too: its port no longer answers.
    await expect(fetch(`${stack.baseUrl}/readyz`)).rejects.toThrow();
  });

  it('signals the target and reports its exit, then restarts it', async () => {
    const stack = await startLocalStack({
      config: stackConfig(),
      rootDir: REPO_ROOT,
      redactor: new Redactor(),
    });
    const lost: TargetLost[] = [];
    stack.onLost?.((l) => lost.push(l));
    try {
      const first = stack.pid()!;
      await stack.signal('SIGTERM');
      const exit = await stack.waitForExit(5_000);
      expect(exit).toMatchObject({ code: 0, signal: null, shellCode: 0 });
      await stack.restart();
      expect(stack.pid()).not.toBe(first);
      expect((await fetch(`${stack.baseUrl}/readyz`)).status).toBe(200);
      // An exit the harness asked for is not a lost target.
      expect(lost).toEqual([]);
    } finally {
      await stack.stop();
    }
    expect(lost).toEqual([]);
  });

  it('names a target that dies on its own: target.exited with its signal and last output, at once', async () => {
    const stack = await startLocalStack({
      config: stackConfig(),
      rootDir: REPO_ROOT,
      redactor: new Redactor(),
    });
    const lost: { at: number; lost: TargetLost }[] = [];
    stack.onLost?.((l) => lost.push({ at: Date.now(), lost: l }));
    try {
      const killedAt = Date.now();
      process.kill(stack.pid()!, 'SIGKILL');
      const deadline = Date.now() + 5_000;
      while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(lost).toHaveLength(1);
      expect(lost[0].at - killedAt).toBeLessThan(2_000);
      expect(lost[0].lost).toMatchObject({ kind: 'target.exited', signal: 'SIGKILL', exitCode: null });
      expect(lost[0].lost.message).toMatch(/^target exited with signal SIGKILL after running \d+:\d\d/);
      expect(lost[0].lost.logTail).toContain('listening');
    } finally {
      await stack.stop();
    }
  });

  it('fails with the target output when the command exits before it is ready', async () => {
    const promise = startLocalStack({
      config: stackConfig({ env: { MODE: 'crash' } }),
      rootDir: REPO_ROOT,
      redactor: new Redactor(),
    });
    await expect(promise).rejects.toMatchObject({
      code: 'SHK_STACK_START',
      exitCode: 3,
      message: expect.stringContaining('fatal: JWT_SECRET is missing'),
    });
  });

  it('fails with exit 3 when the target never gets ready, and stops it', async () => {
    const promise = startLocalStack({
      config: stackConfig({ env: { MODE: 'never-ready' }, readyTimeoutMs: 1_500 }),
      rootDir: REPO_ROOT,
      redactor: new Redactor(),
    });
    await expect(promise).rejects.toMatchObject({
      code: 'SHK_STACK_NOT_READY',
      message: expect.stringContaining('answered 503'),
    });
  });

  it.runIf(haveProgram('redis-server', 'the private redis-server test of test/e2e/local-stack.e2e.test.ts'))(
    'starts a private redis-server when asked and hands REDIS_URL to the target',
    async () => {
      const logDir = tempDir();
      const notes: string[] = [];
      const stack = await startLocalStack({
        config: stackConfig({ redis: true }),
        rootDir: REPO_ROOT,
        logDir,
        redactor: new Redactor(),
        notify: (_level, message) => notes.push(message),
        baseEnv: { ...process.env, REDIS_URL: undefined },
      });
      try {
        const body = (await (await fetch(`${stack.baseUrl}/env`)).json()) as { redis: string };
        expect(body.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
        expect(notes.join('\n')).toContain('private redis-server');
      } finally {
        await stack.stop();
      }
      expect(existsSync(path.join(logDir, 'redis.log'))).toBe(true);
    },
  );

  it('the CLI exits 3 with the last 50 lines of the target output', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      `export default { stack: { kind: 'local', command: ['node', ${JSON.stringify(SERVER)}], env: { MODE: 'crash' } } };\n`,
    );
    const result = await runCli(['scenarios'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toContain('fatal: JWT_SECRET is missing');
    expect(result.stdout + result.stderr).toContain('boot line 60');
    expect(result.stdout + result.stderr).not.toContain('boot line 10\n');
  });
});
