import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, referenceTargetConfig } from './cli.ts';

// What the tests on the composed stack share: whether Docker can be had, the image build, and the
// containers a run's compose projects left behind (they must leave none).

export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.test.yml');

/**
 * Why the compose tests cannot run here, or null when they can. A CI job that exists to run them
 * (SHAKEDOWN_REQUIRE_DOCKER=1) fails instead of skipping when its runner lost Docker.
 */
export function composeUnavailable(what: string): string | null {
  const problem = dockerProblem();
  if (!problem) return null;
  if (process.env.SHAKEDOWN_REQUIRE_DOCKER === '1') throw new Error(`${what}: ${problem}`);
  console.warn(`${what} skipped: ${problem}`);
  return problem;
}

function dockerProblem(): string | null {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 20_000 });
  } catch (error) {
    return `no Docker engine (${String((error as Error).message).split('\n')[0]})`;
  }
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'pipe', timeout: 20_000 });
  } catch {
    return 'Docker has no compose v2 plugin';
  }
  return null;
}

/** The bundle on the host, then the images, with no network inside the build (cached when unchanged). */
export function buildComposeImages(): void {
  execFileSync(process.execPath, ['--run', 'build:voice-api'], { cwd: REPO_ROOT, stdio: 'pipe' });
  execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'build'], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
    env: { ...process.env, SHAKEDOWN_ENV_FILE: '/dev/null' },
    timeout: 300_000,
  });
}

/** The compose projects a run started, named in its output. */
export function composeProjectsIn(output: string): string[] {
  return [...output.matchAll(/starting the compose stack (shakedown-[0-9a-f]+)/g)].map((m) => m[1]);
}

export function projectContainers(project: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

/** Removes whatever a project left running (a test that failed midway). */
export function removeProjectContainers(project: string): void {
  const left = projectContainers(project);
  if (left.length > 0) execFileSync('docker', ['rm', '-f', '-v', ...left], { stdio: 'ignore' });
}

/**
 * A config for the reference target on the composed stack, images already built: `secrets` are the
 * test's own (so it can look for them in the output), `env` goes to the compose file.
 */
export function composeConfig(options: {
  secrets: Record<string, string>;
  env: Record<string, string>;
  readyTimeoutMs: number;
  /** More of the stack section, e.g. `services: {...}`. */
  stack?: string;
  extra?: string;
}): string {
  return referenceTargetConfig({
    secrets: JSON.stringify(options.secrets),
    stack: `{
    kind: 'compose',
    file: ${JSON.stringify(COMPOSE_FILE)},
    env: ${JSON.stringify(options.env)},
    build: false,
    beforeBuild: false,
    readyTimeoutMs: ${options.readyTimeoutMs},${options.stack ? `\n    ${options.stack},` : ''}
  }`,
    extra: options.extra,
  });
}
