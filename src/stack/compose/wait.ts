import { setTimeout as sleep } from 'node:timers/promises';
import type { WaitStrategy } from 'testcontainers';
import { quoteOutput } from '../text.ts';
import { docker } from './docker.ts';

type Container = Parameters<WaitStrategy['waitUntilReady']>[0];

/**
 * A testcontainers wait strategy that probes from the host (`probe` returns '' when ready). Its own
 * HTTP and port strategies need published ports, which host networking does not have.
 */
export class HostProbeWait implements WaitStrategy {
  #timeoutMs = 60_000;
  #timeoutSet = false;
  readonly #probe: () => Promise<string>;
  readonly #what: string;
  readonly #project: string;

  /** `project`: the compose project, watched so that a sibling that died fails this wait at once. */
  constructor(what: string, project: string, probe: () => Promise<string>) {
    this.#what = what;
    this.#project = project;
    this.#probe = probe;
  }

  async waitUntilReady(container: Container): Promise<void> {
    const deadline = performance.now() + this.#timeoutMs;
    let problem = 'no answer yet';
    while (performance.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running) {
        throw new Error(
          `${this.#what} exited (code ${state.ExitCode}) before it was ready. Its last output:\n${await lastOutput(container.id)}`,
        );
      }
      // A load balancer waits forever for replicas that already exited; say why instead.
      const dead = await exitedSibling(this.#project);
      if (dead) {
        throw new Error(
          `the ${dead.service} service exited (code ${dead.code}) before it was ready. Its last output:\n${await lastOutput(dead.id)}`,
        );
      }
      problem = await this.#probe();
      if (!problem) return;
      await sleep(200);
    }
    throw new Error(
      `${this.#what} was not ready within ${this.#timeoutMs} ms (${problem}). Raise stack.readyTimeoutMs if it is just slow. Its last output:\n${await lastOutput(container.id)}`,
    );
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.#timeoutMs = startupTimeoutMs;
    this.#timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#timeoutSet;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

async function exitedSibling(project: string): Promise<{ id: string; service: string; code: string } | null> {
  const { code, stdout } = await docker([
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'status=exited',
    '--format',
    '{{.ID}} {{.Label "com.docker.compose.service"}} {{.Status}}',
  ]);
  const line = code === 0 ? stdout.trim().split('\n').find(Boolean) : undefined;
  if (!line) return null;
  const [id, service] = line.split(' ');
  return { id, service, code: /Exited \((\d+)\)/.exec(line)?.[1] ?? '?' };
}

/** Read before testcontainers removes the container that failed, which takes its logs with it. */
async function lastOutput(containerId: string): Promise<string> {
  const { stdout, stderr } = await docker(['logs', '--tail', '20', containerId]);
  return quoteOutput(`${stdout}${stderr}`.trim());
}
