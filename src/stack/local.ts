import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { LocalStackConfig } from '../config/schema.ts';
import { ShakedownError } from '../errors.ts';
import type { Redactor } from '../run/redact.ts';
import { freePort } from './free-port.ts';
import { PID_FILE } from './orphans.ts';
import { ManagedProcess } from './process.ts';
import { quoteOutput, stringEnv } from './text.ts';
import type { ExitInfo, LaunchSpec, StackHandle, TargetLostListener } from './types.ts';

export interface LocalStackOptions {
  config: LocalStackConfig;
  /** Directory relative paths (cwd) are resolved against: the config file's. */
  rootDir: string;
  /** Where `target.log` (and `redis.log`) go; nothing is written when absent. */
  logDir?: string;
  redactor: Redactor;
  /** Messages for the user ("started a private redis-server on ..."). */
  notify?: (level: 'info' | 'warn', message: string) => void;
  /** Variables inherited by the target; the harness's own environment by default. */
  baseEnv?: NodeJS.ProcessEnv;
}

const POLL_MS = 100;

/** Starts the target as a local process, waits for readiness, and hands out a handle to it. */
export async function startLocalStack(options: LocalStackOptions): Promise<StackHandle> {
  const { config, redactor } = options;
  const notify = options.notify ?? (() => {});
  const env: Record<string, string> = { ...stringEnv(options.baseEnv ?? process.env), ...config.env };
  const port =
    env.PORT && env.PORT !== '0'
      ? Number(env.PORT)
      : config.port === 'auto'
        ? await freePort(config.host)
        : config.port;
  env.PORT = String(port);
  env.HOST ??= config.host;
  const baseUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let redis: ManagedProcess | null = null;
  if (config.redis && !env.REDIS_URL) {
    const started = await startPrivateRedis(options, notify);
    if (started) {
      redis = started.proc;
      env.REDIS_URL = started.url;
    }
  }

  const spec: LaunchSpec = {
    command: typeof config.command === 'string' ? config.command : resolveArgv(config.command),
    cwd: path.resolve(options.rootDir, config.cwd ?? '.'),
    env,
    host: config.host,
    port,
  };
  const readyUrl = /^https?:\/\//.test(config.readyUrl) ? config.readyUrl : `${baseUrl}${config.readyUrl}`;
  const logFile = options.logDir ? path.join(options.logDir, 'target.log') : undefined;
  const pidFile = options.logDir ? path.join(options.logDir, PID_FILE) : undefined;

  // An exit the harness asked for (a signal from a scenario, a restart, stop) is not a lost target.
  let exitExpected = false;
  const lostListeners = new Set<TargetLostListener>();
  const watch = (proc: ManagedProcess) => {
    void proc.exited.then((exit) => {
      if (exitExpected || proc !== current) return;
      const lost = describeExit(exit, proc.tail(50));
      for (const listener of lostListeners) listener(lost);
    });
  };
  const launch = async (): Promise<ManagedProcess> => {
    const proc = new ManagedProcess(spec, { logFile, redactor, label: 'target', pidFile });
    await waitUntilReady(proc, readyUrl, config.readyTimeoutMs);
    exitExpected = false;
    return proc;
  };

  let current: ManagedProcess;
  try {
    current = await launch();
  } catch (error) {
    await redis?.stop(2_000);
    throw error;
  }
  watch(current);

  return {
    kind: 'local',
    baseUrl,
    can: { signal: true, restart: true, pid: true },
    pid: () => (current.running ? current.child.pid : undefined),
    signal: async (signal) => {
      exitExpected = true;
      current.signal(signal);
    },
    waitForExit: (timeoutMs) => current.waitForExit(timeoutMs),
    restart: async () => {
      exitExpected = true;
      if (current.running) await current.stop(config.stopGraceMs);
      current = await launch();
      watch(current);
    },
    onLost: (listener) => {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
    logTail: (lines) => current.tail(lines),
    launchSpec: () => spec,
    stop: async () => {
      exitExpected = true;
      await current.stop(config.stopGraceMs);
      await redis?.stop(2_000);
    },
  };
}

function describeExit(exit: ExitInfo, logTail: string) {
  const at = clock(exit.atMs);
  const how = exit.signal ? `with signal ${exit.signal}` : `with code ${exit.code}`;
  return {
    kind: 'target.exited' as const,
    message: `target exited ${how} after running ${at} (it was not asked to stop)`,
    exitCode: exit.code,
    signal: exit.signal,
    logTail,
  };
}

/** `0:11`, `12:03`: minutes and seconds. */
function clock(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
}

async function waitUntilReady(proc: ManagedProcess, readyUrl: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (performance.now() < deadline) {
    if (!proc.running) {
      const exit = proc.exitInfo;
      throw new ShakedownError(
        'SHK_STACK_START',
        `the target exited before it was ready (exit ${exit?.code ?? exit?.signal}). Its last output:\n${quoteOutput(proc.tail(50))}`,
      );
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastProblem = `${readyUrl} answered ${res.status}`;
    } catch (error) {
      lastProblem = `${readyUrl}: ${(error as Error).cause ?? (error as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await proc.stop(2_000);
  throw new ShakedownError(
    'SHK_STACK_NOT_READY',
    `the target was not ready within ${timeoutMs} ms (${lastProblem}). Raise stack.readyTimeoutMs if it is just slow. Its last output:\n${quoteOutput(proc.tail(50))}`,
  );
}

async function startPrivateRedis(
  options: LocalStackOptions,
  notify: NonNullable<LocalStackOptions['notify']>,
): Promise<{ proc: ManagedProcess; url: string } | null> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    notify('warn', 'stack.redis is set but redis-server is not installed: the target runs without Redis.');
    return null;
  }
  const port = await freePort();
  const spec: LaunchSpec = {
    command: [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    cwd: process.cwd(),
    env: stringEnv(process.env),
    host: '127.0.0.1',
    port,
  };
  const logFile = options.logDir ? path.join(options.logDir, 'redis.log') : undefined;
  const pidFile = options.logDir ? path.join(options.logDir, PID_FILE) : undefined;
  const proc = new ManagedProcess(spec, { logFile, redactor: options.redactor, label: 'redis', pidFile });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPort(proc, port);
  notify('info', `started a private redis-server for this run at ${url}`);
  return { proc, url };
}

async function waitForPort(proc: ManagedProcess, port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline && proc.running) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new ShakedownError(
    'SHK_STACK_START',
    `the private redis-server did not start:\n${quoteOutput(proc.tail(20))}`,
  );
}

function resolveArgv(argv: readonly string[]): string[] {
  return argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : [...argv];
}

export function findOnPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '')
    .split(path.delimiter)
    .concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}
