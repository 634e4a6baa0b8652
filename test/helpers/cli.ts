import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunSummary } from '../../src/run/model.ts';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = path.join(REPO_ROOT, 'bin/shakedown.js');
/** Import specifier for the package's public API from a config written outside the repo. */
export const SHAKEDOWN_IMPORT = pathToFileURL(path.join(REPO_ROOT, 'src/index.ts')).href;
export const VOICE_API_SERVER = path.join(REPO_ROOT, 'examples/voice-api/src/server.ts');
export const VOICE_API_SPEC = path.join(REPO_ROOT, 'contracts/voice-api.openapi.yaml');
/** The repo scripts' socket handshake helper, importable from a script written outside the repo. */
export const VOICE_SOCKET_AUTH_IMPORT = pathToFileURL(
  path.join(REPO_ROOT, 'scenarios/support/voice-socket-auth.ts'),
).href;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'shakedown-test-'): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
}

/** Spawns the real CLI (bin/shakedown.js on the running Node) and collects its output. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runCommand(process.execPath, [CLI, ...args], { ...options, cwd: options.cwd ?? REPO_ROOT });
}

/** Runs a command (no shell) without colours and collects its output; killed after `timeoutMs`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function writeConfig(dir: string, source: string, name = 'shakedown.config.ts'): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

/**
 * The source of a config file for the reference target. `secrets` is a TypeScript expression for the
 * secrets object (fresh random ones by default), `stack` the source of the stack section, and `extra`
 * is spliced into the top level of defineConfig({...}).
 */
export function referenceTargetConfig(options: { stack: string; secrets?: string; extra?: string }): string {
  const secrets =
    options.secrets ??
    `{
  JWT_SECRET: randomBytes(32).toString('base64url'),
  WEBHOOK_SECRET: 'whsec_' + randomBytes(24).toString('base64'),
}`;
  return `import { randomBytes } from 'node:crypto';
import { defineConfig, mintHs256Token } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

const secrets = ${secrets};

export default defineConfig({
  secrets,
  target: {
    openapi: ${JSON.stringify(VOICE_API_SPEC)},
    auth: { type: 'bearer', token: () => mintHs256Token(secrets.JWT_SECRET) },
  },
  stack: ${options.stack},
  ${options.extra ?? ''}
});
`;
}

/** A config for the reference target on the local stack: fresh secrets, the given faults and extra env. */
export function voiceApiConfig(
  options: { faults?: string[]; env?: Record<string, string>; extra?: string; redis?: boolean } = {},
): string {
  const env = {
    SHUTDOWN_DRAIN_MS: '500',
    ...options.env,
    ...(options.faults?.length ? { VOICE_API_FAULTS: options.faults.join(',') } : {}),
  };
  return referenceTargetConfig({
    stack: `{
    kind: 'local',
    command: ['node', ${JSON.stringify(VOICE_API_SERVER)}],
    env: { ...secrets, ...${JSON.stringify(env)} },
    redis: ${options.redis ?? false},
  }`,
    extra: options.extra,
  });
}

/** The run directory `reports/latest` points at under outDir. */
export function latestRunDir(outDir: string): string {
  return realpathSync(path.join(outDir, 'latest'));
}

export function readSummary(runDir: string): RunSummary {
  return JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
}

/** Every check with this id across suites. */
export function checksWithId(summary: RunSummary, id: string) {
  return summary.suites.flatMap((s) => s.checks).filter((c) => c.id === id);
}
