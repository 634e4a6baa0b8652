import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/resolve.ts';
import { ExitCode, type ExitCodeValue, ShakedownError } from '../errors.ts';
import { redactorFor } from '../runner.ts';
import { startStack } from '../stack/index.ts';
import { reapOrphans } from '../stack/orphans.ts';
import { isProcessAlive } from '../stack/process.ts';

const STATE_FILE = '.stack-up.json';

/** `stack up`: start the stack, print its URL, keep it up until Ctrl-C or `stack down`. */
export async function stackUp(loaded: LoadedConfig, print: (line: string) => void): Promise<ExitCodeValue> {
  const outDir = path.resolve(loaded.rootDir, loaded.config.out);
  const logDir = path.join(outDir, 'stack');
  mkdirSync(logDir, { recursive: true });
  for (const line of reapOrphans(outDir)) print(`WARN killed ${line}`);
  const stack = await startStack({
    loaded,
    redactor: redactorFor(loaded),
    logDir,
    notify: (level, message) => print(`${level === 'warn' ? 'WARN ' : ''}${message}`),
  });
  const stateFile = path.join(outDir, STATE_FILE);
  writeFileSync(
    stateFile,
    JSON.stringify({ pid: process.pid, baseUrl: stack.baseUrl, targetPid: stack.pid() }),
  );
  print(`stack ${stack.kind} is up: ${stack.baseUrl}${stack.pid() ? ` (pid ${stack.pid()})` : ''}`);
  const services = stack.services?.() ?? [];
  for (const service of services) print(`  ${service.name} (${service.role}): ${service.url}`);
  const logs =
    services.length > 0 ? `${path.join(logDir, '<service>.log')}` : path.join(logDir, 'target.log');
  print(`target output: ${logs}. Ctrl-C or 'shakedown stack down' stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.stop();
  rmSync(stateFile, { force: true });
  print('stack stopped');
  return ExitCode.Pass;
}

/** `stack down`: stop a stack started with `stack up` in another shell. */
export async function stackDown(loaded: LoadedConfig, print: (line: string) => void): Promise<ExitCodeValue> {
  const outDir = path.resolve(loaded.rootDir, loaded.config.out);
  const stateFile = path.join(outDir, STATE_FILE);
  // Whatever a killed `stack up` (or run) left behind goes first: stack.pids lists it.
  const reaped = reapOrphans(outDir);
  for (const line of reaped) print(`killed ${line}`);
  if (!existsSync(stateFile)) {
    if (reaped.length === 0) print('no stack is up (nothing recorded by stack up)');
    return ExitCode.Pass;
  }
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    rmSync(stateFile, { force: true });
    print(`the stack's process ${pid} was already gone`);
    return ExitCode.Pass;
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && isProcessAlive(pid)) await new Promise((r) => setTimeout(r, 100));
  if (isProcessAlive(pid))
    throw new ShakedownError('SHK_STACK_START', `the stack (pid ${pid}) did not stop within 30 s`);
  rmSync(stateFile, { force: true });
  print('stack stopped');
  return ExitCode.Pass;
}
