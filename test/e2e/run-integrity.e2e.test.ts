import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import {
  latestRunDir,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

/**
 * Run integrity as a user meets it: safety decided by what a scenario declares (not its file name),
 * every `enabled` flag honoured without the disabled section's files, and every error printed with
 * its SHK_* code.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A TCP listener on loopback that counts every connection it receives. */
async function countingListener(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('run integrity', () => {
  it('refuses a renamed rate-limit scenario aimed at a host that is not allowed: exit 2, nothing sent', async () => {
    // 0.0.0.0 reaches this machine's loopback listener on Linux, yet it is not a loopback address: the
    // guard must refuse it. The scenario's file name says nothing about rate limits.
    const listener = await countingListener();
    const dir = tempDir();
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(
      path.join(dir, 'scenarios', 'api-limits.scenario.ts'),
      `import { rateLimitScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
export default rateLimitScenario({
  routes: [{ method: 'POST', path: '/v1/sessions', limit: 10, windowSec: 60, scope: 'ip' }],
});
`,
    );
    writeConfig(dir, `export default { stack: { kind: 'url' }, reporters: ['json'] };\n`);
    const result = await runCli(['scenarios', 'api-limits', '--target', `http://0.0.0.0:${listener.port}`], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain("refusing to send burst (scenario 'api-limits') traffic to 0.0.0.0");
    expect(result.stderr).toContain('SHK_UNSAFE_TARGET');
    expect(listener.connections()).toBe(0);
  }, 60_000);

  it('lets a user scenario declare sendsBursts, and the guard follows the declaration', async () => {
    const listener = await countingListener();
    const dir = tempDir();
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(
      path.join(dir, 'scenarios', 'hammer.scenario.ts'),
      `import { defineScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
export default defineScenario({ sendsBursts: true, async run() {} });
`,
    );
    writeConfig(dir, `export default { stack: { kind: 'url' }, reporters: ['json'] };\n`);
    const result = await runCli(['scenarios', '--target', `http://0.0.0.0:${listener.port}`], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain("scenario 'hammer'");
    expect(listener.connections()).toBe(0);
  }, 60_000);

  // Each engine disabled with every file it would need missing: it is skipped, never read.
  it.each([
    ['contracts', `contracts: { enabled: false, spec: 'missing.openapi.yaml' }`],
    ['scenarios', `scenarios: { enabled: false, dir: 'no-such-dir' }`],
    ['soak', `soak: { enabled: false, script: 'soak/missing.soak.ts' }`],
    ['load', `load: { enabled: false, routes: [{ path: '/v1/no-such-route' }] }`],
  ])(
    'honours %s.enabled: false and needs none of its files',
    async (engine, section) => {
      const dir = tempDir();
      writeConfig(dir, voiceApiConfig({ extra: `${section}, reporters: ['json'],` }));
      const result = await runCli([engine], { cwd: dir, timeoutMs: 90_000 });
      expect(result.code, result.stderr).toBe(ExitCode.Pass);
      const runDir = latestRunDir(path.join(dir, 'reports'));
      const summary = readSummary(runDir);
      expect(summary.suites).toEqual([]);
      expect(readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')).toContain(`${engine}.enabled: false`);
    },
    90_000,
  );

  it('runs the contracts of `run` when scenarios are disabled and their directory is missing', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      voiceApiConfig({
        faults: ['contract-drift'],
        extra: `scenarios: { enabled: false, dir: 'no-such-dir' }, soak: { enabled: false }, load: { enabled: false }, reporters: ['json'],`,
      }),
    );
    const result = await runCli(['run'], { cwd: dir, timeoutMs: 120_000 });
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(summary.error).toBeUndefined();
    expect(summary.suites.map((s) => s.kind)).toEqual(['contracts']);
    expect(summary.verdict).toBe('fail');
    expect(result.code).toBe(ExitCode.Failed);
  }, 120_000);

  it('prints the SHK_* code of an error raised inside a run, with or without the console reporter', async () => {
    const dir = tempDir();
    const spec = path.join(dir, 'broken.openapi.yaml');
    writeFileSync(
      spec,
      `openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {}\n`,
    );
    for (const reporters of [`['json']`, `['console', 'json']`]) {
      writeConfig(
        dir,
        voiceApiConfig({ extra: `contracts: { spec: ${JSON.stringify(spec)} }, reporters: ${reporters},` }),
      );
      const result = await runCli(['contracts'], { cwd: dir, timeoutMs: 90_000 });
      expect(result.code).toBe(ExitCode.BadInput);
      expect(result.stdout + result.stderr, reporters).toContain('(SHK_SPEC_INVALID, exit 2)');
    }
  }, 120_000);

  it('names the line and column of a syntax error in the config', async () => {
    const dir = tempDir();
    writeConfig(dir, `export default {\n  out: 'reports',,\n};\n`);
    const result = await runCli(['contracts'], { cwd: dir, timeoutMs: 30_000 });
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain(`${path.join(dir, 'shakedown.config.ts')}:2:18 (line 2, column 18)`);
    expect(result.stderr).toContain('SHK_CONFIG_LOAD');
  });
});
