import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComposeServiceConfig } from '../../config/schema.ts';
import { ShakedownError } from '../../errors.ts';
import type { Redactor } from '../../run/redact.ts';
import { ManagedProcess } from '../process.ts';
import { quoteOutput, stringEnv } from '../text.ts';
import { type ExitInfo, type ServiceHandle, SIGNAL_NUMBERS } from '../types.ts';
import { docker, dockerOk, inspectState } from './docker.ts';
import { probeReady } from './probe.ts';

export interface ComposeServiceOptions {
  name: string;
  config: ComposeServiceConfig;
  port: number;
  containerId: string;
  redactor: Redactor;
  /** `<name>.log` goes here, appended across restarts; nothing is written when absent. */
  logDir?: string;
  readyTimeoutMs: number;
  stopGraceSec: number;
}

const TAIL_KEEP = 200;
const POLL_MS = 200;

/** A compose service driven through the docker CLI, its output followed into the run directory. */
export class ComposeService implements ServiceHandle {
  readonly name: string;
  readonly role: ServiceHandle['role'];
  readonly url: string;
  readonly port: number;
  readonly containerId: string;
  readonly #options: ComposeServiceOptions;
  #logs: ManagedProcess;
  #earlierTail: string[] = [];

  constructor(options: ComposeServiceOptions) {
    this.#options = options;
    this.name = options.name;
    this.role = options.config.role;
    this.port = options.port;
    this.containerId = options.containerId;
    this.url = `${options.config.readyPath ? 'http' : 'tcp'}://127.0.0.1:${options.port}`;
    this.#logs = this.#followLogs();
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    await dockerOk(['kill', `--signal=${signal}`, this.containerId]);
  }

  async waitForExit(timeoutMs: number): Promise<ExitInfo | null> {
    // `docker wait` prints the exit code once the container stops (at once if it already has).
    const result = await docker(['wait', this.containerId], { timeoutMs });
    if (result.code !== 0) return null;
    const state = await inspectState(this.containerId);
    const shellCode = Number(result.stdout.trim());
    // Docker reports a death by signal as 128 + n, as a shell would.
    const signal = signalNamed(shellCode - 128);
    return {
      code: signal ? null : shellCode,
      signal,
      shellCode,
      atMs: Math.max(0, state.finishedAtMs - state.startedAtMs),
    };
  }

  async start(): Promise<void> {
    if (await this.running()) return this.waitReady();
    // Logs are followed from this moment on; earlier lines were already written by the last follower.
    const since = (Date.now() / 1000).toFixed(3);
    await dockerOk(['start', this.containerId]);
    this.#earlierTail = this.#tailLines(TAIL_KEEP);
    this.#logs = this.#followLogs(since);
    await this.waitReady();
  }

  async stop(): Promise<void> {
    const timeoutMs = (this.#options.stopGraceSec + 30) * 1000;
    await dockerOk(['stop', '--time', String(this.#options.stopGraceSec), this.containerId], { timeoutMs });
  }

  async restart(): Promise<void> {
    if (await this.running()) await this.stop();
    await this.start();
  }

  async running(): Promise<boolean> {
    return (await inspectState(this.containerId)).running;
  }

  logTail(lines = 50): string {
    return this.#tailLines(lines).join('\n');
  }

  /** Polls the ready path (or the port) until it answers; fails early if the container exits. */
  async waitReady(): Promise<void> {
    const deadline = performance.now() + this.#options.readyTimeoutMs;
    let problem = 'no answer yet';
    while (performance.now() < deadline) {
      const state = await inspectState(this.containerId);
      if (!state.running) {
        throw new ShakedownError(
          'SHK_STACK_START',
          `the ${this.name} service exited (code ${state.exitCode}) before it was ready. Its last output:\n${quoteOutput(this.logTail(30))}`,
        );
      }
      problem = await probeReady(this.url, this.#options.config.readyPath, this.port);
      if (!problem) return;
      await sleep(POLL_MS);
    }
    throw new ShakedownError(
      'SHK_STACK_NOT_READY',
      `the ${this.name} service was not ready within ${this.#options.readyTimeoutMs} ms (${problem}). Raise stack.readyTimeoutMs if it is just slow. Its last output:\n${quoteOutput(this.logTail(30))}`,
    );
  }

  /** Waits for the log follower to see the container's end (it exits with it), then stops it. */
  async closeLogs(): Promise<void> {
    if (!(await this.#logs.waitForExit(2_000))) await this.#logs.stop(1_000);
  }

  #followLogs(since?: string): ManagedProcess {
    const { logDir, redactor } = this.#options;
    const args = ['logs', '--follow', ...(since ? ['--since', since] : []), this.containerId];
    return new ManagedProcess(
      {
        command: ['docker', ...args],
        cwd: process.cwd(),
        env: stringEnv(process.env),
        host: '127.0.0.1',
        port: 0,
      },
      { logFile: logDir ? path.join(logDir, `${this.name}.log`) : undefined, redactor, label: this.name },
    );
  }

  #tailLines(lines: number): string[] {
    const current = this.#logs.tail(TAIL_KEEP);
    return [...this.#earlierTail, ...(current ? current.split('\n') : [])].slice(-lines);
  }
}

function signalNamed(n: number): NodeJS.Signals | null {
  const found = Object.entries(SIGNAL_NUMBERS).find(([, number]) => number === n);
  return found ? (found[0] as NodeJS.Signals) : null;
}
