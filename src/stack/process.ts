import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Redactor } from '../run/redact.ts';
import { forgetPid, recordPid } from './orphans.ts';
import { type ExitInfo, type LaunchSpec, SIGNAL_NUMBERS } from './types.ts';

const TAIL_LINES = 200;
const live = new Set<ManagedProcess>();

// Whatever happens to the harness, no target is left behind: process groups are killed on exit…
process.once('exit', () => {
  for (const p of live) p.killGroup('SIGKILL');
});

/**
 * …and on a death no handler sees (SIGKILL, OOM killer): a watchdog shell blocks reading a pipe whose
 * only writer is this process. When the harness dies the kernel closes the pipe, `read` returns at
 * EOF, and the watchdog kills the whole group. It lives in its own group so a Ctrl-C aimed at the
 * terminal's foreground group does not take it down before the harness has stopped the target.
 */
const WATCHDOG = 'read _ignored; kill -9 "-$1" 2>/dev/null';

function startWatchdog(pgid: number): ChildProcess | null {
  try {
    const dog = spawn('/bin/sh', ['-c', WATCHDOG, 'shakedown-watchdog', String(pgid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    dog.on('error', () => {});
    dog.unref();
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return dog;
  } catch {
    return null;
  }
}

/**
 * A child process in its own process group (so a shell wrapper and its children die together), with
 * its output redacted line by line into a log file and a ring buffer for error messages.
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly startedAt = performance.now();
  readonly exited: Promise<ExitInfo>;
  readonly #tail: string[] = [];
  readonly #log: WriteStream | null;
  readonly #redactor: Redactor;
  #exit: ExitInfo | null = null;

  readonly #watchdog: ChildProcess | null;

  constructor(
    spec: LaunchSpec,
    options: {
      logFile?: string;
      redactor: Redactor;
      label: string;
      /** `stack.pids` to list this process group in while it runs (see orphans.ts). */
      pidFile?: string;
    },
  ) {
    this.#redactor = options.redactor;
    this.#log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : null;
    const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
    this.child =
      typeof spec.command === 'string'
        ? spawn(spec.command, { shell: true, cwd: spec.cwd, env: spec.env, stdio, detached: true })
        : spawn(spec.command[0], spec.command.slice(1), {
            cwd: spec.cwd,
            env: spec.env,
            stdio,
            detached: true,
          });
    live.add(this);
    const pid = this.child.pid;
    this.#watchdog = pid ? startWatchdog(pid) : null;
    if (pid && options.pidFile) recordPid(options.pidFile, options.label, pid);
    this.#pipe(this.child.stdout, `${options.label}`);
    this.#pipe(this.child.stderr, `${options.label}!`);
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.#exit) return;
        live.delete(this);
        this.#watchdog?.kill('SIGKILL');
        if (pid && options.pidFile) forgetPid(options.pidFile, pid);
        this.#exit = {
          code,
          signal,
          shellCode: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0),
          atMs: Math.round(performance.now() - this.startedAt),
        };
        resolve(this.#exit);
      };
      this.child.once('exit', finish);
      // Output can still arrive between 'exit' and 'close'; the log ends only when the pipes do.
      this.child.once('close', () => this.#log?.end());
      this.child.once('error', (error) => {
        this.#record(`${options.label}!`, `failed to start: ${error.message}`);
        finish(127, null);
      });
    });
  }

  get exitInfo(): ExitInfo | null {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === null;
  }

  tail(lines = 50): string {
    return this.#tail.slice(-lines).join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running && this.child.pid) process.kill(this.child.pid, signal);
  }

  killGroup(signal: NodeJS.Signals): void {
    if (!this.child.pid || !this.running) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  async waitForExit(timeoutMs: number): Promise<ExitInfo | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<ExitInfo> {
    this.killGroup('SIGTERM');
    if (!(await this.waitForExit(graceMs))) this.killGroup('SIGKILL');
    return this.exited;
  }

  #pipe(stream: NodeJS.ReadableStream | null, label: string): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.#record(label, line);
    });
    stream.on('end', () => {
      if (partial) this.#record(label, partial);
    });
  }

  #record(label: string, line: string): void {
    const safe = this.#redactor.text(line);
    this.#tail.push(safe);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    if (this.#log && !this.#log.writableEnded)
      this.#log.write(`${label.endsWith('!') ? '[stderr] ' : ''}${safe}\n`);
  }
}

/** True while a process with this PID exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
