import { execFile } from 'node:child_process';
import { ShakedownError } from '../../errors.ts';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI; resolves with its exit code (127 when docker is not installed), never throws. */
export function docker(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const code = !err ? 0 : err.code === 'ENOENT' ? 127 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err?.message ?? '') });
      },
    );
  });
}

/** Like `docker`, but a failure is a SHK_STACK_START error naming the command and what docker said. */
export async function dockerOk(
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0) {
    throw new ShakedownError(
      'SHK_STACK_START',
      `docker ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
}

/**
 * Fails fast, with what to do, when there is no Docker engine or no compose v2 plugin; otherwise
 * testcontainers would fail later with a socket error that does not say either.
 */
export async function assertDockerAvailable(): Promise<void> {
  const server = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 });
  if (server.code === 127) {
    throw new ShakedownError(
      'SHK_STACK_START',
      'Docker is not available: the docker CLI is not installed. Install Docker (with the compose plugin), or use --stack local.',
    );
  }
  if (server.code !== 0) {
    throw new ShakedownError(
      'SHK_STACK_START',
      `Docker is not available: the Docker engine does not answer (${firstLine(server.stderr)}). Start it (is the daemon running, is DOCKER_HOST right?), or use --stack local.`,
    );
  }
  const compose = await docker(['compose', 'version', '--short'], { timeoutMs: 15_000 });
  if (compose.code !== 0) {
    throw new ShakedownError(
      'SHK_STACK_START',
      `Docker is not available for compose: 'docker compose' (the compose v2 plugin) is missing (${firstLine(compose.stderr)}). Install docker-compose-plugin, or use --stack local.`,
    );
  }
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  startedAtMs: number;
  finishedAtMs: number;
}

export async function inspectState(containerId: string): Promise<ContainerState> {
  const out = await dockerOk([
    'inspect',
    '--format',
    '{{.State.Running}} {{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}',
    containerId,
  ]);
  const [running, exitCode, startedAt, finishedAt] = out.trim().split(' ');
  return {
    running: running === 'true',
    exitCode: Number(exitCode),
    startedAtMs: Date.parse(startedAt),
    finishedAtMs: Date.parse(finishedAt),
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] || 'no output';
}
