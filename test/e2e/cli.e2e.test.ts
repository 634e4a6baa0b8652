import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, errorCodes } from '../../src/errors.ts';
import { REPO_ROOT, runCli, tempDir, writeConfig } from '../helpers/cli.ts';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('shakedown CLI', () => {
  it('--help lists the commands and exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'run',
      'contracts',
      'scenarios',
      'soak',
      'load',
      'report',
      'stack up|down',
      'k6 export',
      'k6 import',
    ]) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain('3  target or stack unavailable');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command exits 2 and names it', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('an unknown flag exits 2', async () => {
    const result = await runCli(['run', '--turbo']);
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('--turbo');
  });

  it('a bad flag value exits 2 with the allowed values', async () => {
    const result = await runCli(['run', '--profile', 'medium']);
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('expected one of quick, full');
  });

  it('a missing config file exits 2 naming the file', async () => {
    const dir = tempDir();
    const result = await runCli(['run', '--config', 'missing.config.ts'], { cwd: dir });
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain(path.join(dir, 'missing.config.ts'));
    expect(result.stderr).toContain('SHK_CONFIG_NOT_FOUND');
  });

  it('a bad config exits 2 with the path of every problem', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      `export default { soak: { sessions: -3 }, stack: { kind: 'url' }, target: { baseUrl: 'nope' } };\n`,
    );
    const result = await runCli(['run'], { cwd: dir });
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('soak.sessions: expected a positive integer, got -3');
    expect(result.stderr).toContain('target.baseUrl: expected an http(s) URL, got "nope"');
    expect(result.stderr).toContain(path.join(dir, 'shakedown.config.ts'));
  });

  it('an unknown k6 action exits 2 with the usage', async () => {
    const result = await runCli(['k6', 'frobnicate']);
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain("'shakedown k6 import <k6-output.json...> [--out dir]'");
    expect(result.stderr).toContain('SHK_USAGE');
  });

  it('an unreachable --target exits 3', async () => {
    const dir = tempDir();
    const result = await runCli(['scenarios', '--target', 'http://127.0.0.1:9'], { cwd: dir });
    expect(result.code).toBe(ExitCode.Unavailable);
    expect(result.stderr + result.stdout).toContain('does not answer');
  });

  it('refuses to load-test a non-loopback host without opt-in, before sending anything', async () => {
    const dir = tempDir();
    const result = await runCli(['soak', '--target', 'http://staging.example.invalid:8080'], { cwd: dir });
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toContain('target.loadAllowedHosts');
  });

  it('documents every error code and exit code in the README', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const [code, { exitCode }] of Object.entries(errorCodes)) {
      expect(readme, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${exitCode}\\s*\\|`));
    }
    for (const exit of Object.values(ExitCode)) expect(readme).toMatch(new RegExp(`\\|\\s*${exit}\\s*\\|`));
  });
});
