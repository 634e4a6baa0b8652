import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck } from '../../../run/checks.ts';
import type { Redactor } from '../../../run/redact.ts';
import { freePort } from '../../../stack/free-port.ts';
import { ManagedProcess } from '../../../stack/process.ts';
import type { LaunchSpec } from '../../../stack/types.ts';
import type { CheckContext, CheckOutcome, ScenarioContext } from '../../define.ts';
import { SENSITIVE_ENV_NAME } from './leaks.ts';
import type { HardeningSettings } from './options.ts';

type Startup = NonNullable<HardeningSettings['startup']>;

export interface Variant {
  variable: string;
  kind: 'missing' | 'empty' | 'placeholder';
  /** The value tried (undefined when the variable is left out). */
  value?: string;
}

export interface VariantRun {
  variant: Variant;
  /** Exit code as a shell reports it; null when it was still running at the deadline. */
  exitCode: number | null;
  exitedAfterMs: number | null;
  portOpened: boolean;
  stderr: string;
}

const PARALLEL = 3;
const POLL_MS = 100;
const STDERR_CAP = 64 * 1024;
/** Shorter values are not searched for in stderr: they occur by chance. */
const MIN_VALUE_LENGTH = 6;

export function variants(startup: Startup): Variant[] {
  return startup.requiredSecrets.flatMap((variable): Variant[] => [
    { variable, kind: 'missing' },
    { variable, kind: 'empty', value: '' },
    ...startup.placeholders.map((value) => ({ variable, kind: 'placeholder' as const, value })),
  ]);
}

export function describeVariant(v: Variant): string {
  return v.kind === 'placeholder' ? `${v.variable}="${v.value}"` : `${v.variable} ${v.kind}`;
}

/** Problems with one variant's run; `secretValues` are the real secrets the target was started with. */
export function judgeVariant(run: VariantRun, secretValues: Readonly<Record<string, string>>): string[] {
  const { variant, stderr } = run;
  const problems: string[] = [];
  if (run.portOpened) problems.push('it started anyway and opened its port');
  else if (run.exitCode === null) problems.push('it was still running at the deadline');
  else if (run.exitCode === 0) problems.push('it exited 0; a failed start must exit non-zero');
  if (!stderr.includes(variant.variable)) problems.push(`stderr does not name ${variant.variable}`);
  if (variant.value && variant.value.length >= MIN_VALUE_LENGTH && stderr.includes(variant.value)) {
    problems.push('stderr contains the rejected value');
  }
  for (const [name, value] of Object.entries(secretValues)) {
    if (value.length >= MIN_VALUE_LENGTH && stderr.includes(value))
      problems.push(`stderr contains the value of ${name}`);
  }
  return problems.map((p) => `${describeVariant(variant)}: ${p}`);
}

export const startupFailFastCheck = defineCheck(import.meta.url, {
  id: 'startup.fail-fast',
  title: 'The target refuses to start with a missing or placeholder secret',
  verifies:
    'Started the way the stack starts it, but with one required secret (hardeningScenario startup.requiredSecrets) missing, empty or a placeholder, the target exits non-zero in time without listening, names the variable on stderr and prints no secret value.',
  failsWhen:
    'A variant starts and opens its port, still runs at the deadline, exits 0, does not name the variable, or prints the rejected value or another secret.',
  fix: 'Validate required configuration before listening (present, long enough, not a placeholder such as changeme) and exit non-zero with a message that names the variable but never its value.',
  severity: 'blocking',
  proof: { faults: ['secret-placeholder-ok'] },
});

/**
 * The target, started the way the stack starts it but with one required secret
 * missing, empty or a placeholder, must refuse to start: exit non-zero in time, never listen, and say
 * which variable is wrong without printing secrets. Each variant gets its own free port.
 */
export async function checkStartupFailFast(
  ctx: ScenarioContext,
  c: CheckContext,
  startup: Startup | undefined,
): Promise<CheckOutcome> {
  if (!startup)
    return c.skip('no required secrets configured: hardeningScenario({ startup: { requiredSecrets } })');
  const spec = ctx.stack.launchSpec();
  if (!spec)
    return c.skip(`a ${ctx.stack.kind} stack cannot start variants of the target; run with --stack local`);
  const secretValues = Object.fromEntries(
    Object.entries(spec.env).filter(([name, value]) => SENSITIVE_ENV_NAME.test(name) && value.length > 0),
  );
  const runs = await mapLimit(variants(startup), PARALLEL, (v) =>
    launchVariant(spec, v, ctx.redactor, startup.timeoutSec * 1000),
  );
  const problems = runs.flatMap((run) => judgeVariant(run, secretValues));
  const evidence = ctx.redactor.value({
    variants: runs.map((run) => ({
      variant: describeVariant(run.variant),
      exit: run.exitCode === null ? 'still running' : `${run.exitCode} after ${run.exitedAfterMs} ms`,
      portOpened: run.portOpened,
      stderr: run.stderr.slice(-2_000),
    })),
    ...(problems.length > 0 ? { errors: problems } : {}),
  });
  if (problems.length > 0) return c.fail(problems.slice(0, 4).join('; '), evidence);
  const slowest = Math.max(...runs.map((r) => r.exitedAfterMs ?? 0));
  return c.pass(
    `${runs.length} starts with ${startup.requiredSecrets.join(', ')} missing, empty or a placeholder each exited non-zero (within ${slowest} ms), never listened, and named the variable without printing secrets`,
    evidence,
  );
}

async function launchVariant(
  spec: LaunchSpec,
  variant: Variant,
  redactor: Redactor,
  timeoutMs: number,
): Promise<VariantRun> {
  const port = await freePort(spec.host);
  const env: Record<string, string> = { ...spec.env, PORT: String(port) };
  if (variant.value === undefined) delete env[variant.variable];
  else env[variant.variable] = variant.value;
  const proc = new ManagedProcess(
    { ...spec, env, port },
    { redactor, label: `startup ${describeVariant(variant)}` },
  );
  let stderr = '';
  proc.child.stderr?.on('data', (chunk: string | Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += chunk.toString();
  });
  const closed = once(proc.child, 'close').catch(() => undefined);
  const deadline = performance.now() + timeoutMs;
  let portOpened = false;
  while (proc.running && performance.now() < deadline && !portOpened) {
    portOpened = await isListening(spec.host, port);
    if (!portOpened) await sleep(POLL_MS);
  }
  const exit = proc.exitInfo;
  if (proc.running) await proc.stop(2_000);
  // Output written just before the exit arrives with the pipes' close.
  await Promise.race([closed, sleep(2_000)]);
  return {
    variant,
    exitCode: exit?.shellCode ?? null,
    exitedAfterMs: exit?.atMs ?? null,
    portOpened,
    stderr,
  };
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
