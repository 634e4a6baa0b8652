import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { assertLoadAllowed } from '../config/safety.ts';
import { importUserModule } from '../config/user-module.ts';
import type { Engine, EngineContext } from '../engine-context.ts';
import { ShakedownError } from '../errors.ts';
import { defineCheck } from '../run/checks.ts';
import { type CheckCall, runCheck } from './check.ts';
import type { ScenarioContext, ScenarioDefinition } from './define.ts';
import { LoopbackPool } from './loopback.ts';

const SUFFIX = '.scenario.ts';
const DEFAULT_CHECK_TIMEOUT_SEC = 60;

export interface ScenarioFile {
  name: string;
  file: string;
}

/** `scenarios/*.scenario.ts`, named by file stem, sorted; filtered by the names asked for. */
export function findScenarios(dir: string, names: readonly string[]): ScenarioFile[] {
  if (!existsSync(dir)) {
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `scenario directory ${dir} does not exist (scenarios.dir in the config).`,
    );
  }
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .sort()
    .map((f) => ({ name: f.slice(0, -SUFFIX.length), file: path.join(dir, f) }));
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new ShakedownError(
      'SHK_USAGE',
      `unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; available in ${dir}: ${all.map((s) => s.name).join(', ') || '(none)'}.`,
    );
  }
  return names.length === 0 ? all : all.filter((s) => names.includes(s.name));
}

export async function loadScenario(file: string): Promise<ScenarioDefinition> {
  const mod = await importUserModule(file, 'SHK_SCRIPT_INVALID', ({ reason, location: at }) => {
    return `cannot load scenario ${file}${at ? `:${at.line}:${at.column}` : ''}: ${reason}`;
  });
  const definition = mod.default as ScenarioDefinition | undefined;
  if (!definition || typeof definition.run !== 'function') {
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `${file} must export default defineScenario({ run }) or a built-in such as rateLimitScenario({...}).`,
    );
  }
  return definition;
}

/** The names of the scenarios among `names` (all when empty) whose definition declares `sendsBursts`. */
export async function sendsBursts(dir: string, names: readonly string[]): Promise<string[]> {
  const files = findScenarios(dir, names);
  const loaded = await Promise.all(
    files.map(async (f) => ({ ...f, definition: await loadScenario(f.file) })),
  );
  return loaded.filter((s) => s.definition.sendsBursts === true).map((s) => s.name);
}

/** `shakedown scenarios [name...]`: each scenario is its own suite in the run. */
export const scenariosEngine: Engine = async (ctx) => {
  const { config, rootDir } = ctx;
  if (!config.scenarios.enabled) {
    await ctx.recorder.log('info', 'scenarios: disabled in the config (scenarios.enabled: false); skipped.');
    return;
  }
  const names = ctx.options.names && ctx.options.names.length > 0 ? ctx.options.names : config.scenarios.only;
  const files = findScenarios(path.resolve(rootDir, config.scenarios.dir), names);
  // Load every script before running any, so a broken one fails fast (exit 2) instead of mid-run.
  const loaded = await Promise.all(
    files.map(async (f) => ({ ...f, definition: await loadScenario(f.file) })),
  );
  for (const scenario of loaded) {
    if (scenario.definition.sendsBursts)
      assertLoadAllowed(
        ctx.stack.baseUrl,
        config.target.loadAllowedHosts,
        `burst (scenario '${scenario.name}')`,
      );
  }
  const addresses = new LoopbackPool();
  for (const scenario of loaded) {
    const stopped = stoppedBecause(ctx);
    if (stopped) await notRun(ctx, scenario.name, stopped);
    else await runScenario(ctx, scenario.name, scenario.definition, addresses);
  }
};

function stoppedBecause(ctx: EngineContext): string | null {
  if (ctx.signal.aborted) return 'interrupted before it started';
  if (ctx.targetLost.aborted) return 'not run: the target was lost before it started';
  return null;
}

export const scenarioNotRunCheck = defineCheck(import.meta.url, {
  id: 'scenario.not-run',
  title: 'The scenario ran',
  verifies:
    'Reports a scenario the run never reached, so a missing scenario shows in the report instead of vanishing from it.',
  failsWhen:
    'It never fails: it is recorded as skipped, with the reason, when the run was interrupted or the target was lost before the scenario started (the run itself is then not green).',
  fix: 'Look at why the run stopped early (Ctrl-C, a timeout, or the target lost: see the stack log in the run directory) and run again.',
  severity: 'advisory',
  proof: {
    exempt:
      'judges the run, not the target: it only ever skips, for a scenario the run stopped before reaching (interrupted or target lost); proven in test/unit/scenario/engine-not-run.test.ts.',
  },
});

/** A scenario the run never reached still shows in the report, as skipped with the reason. */
async function notRun(ctx: EngineContext, name: string, reason: string): Promise<void> {
  const suite = await ctx.recorder.suite(name, 'scenario');
  await suite.check(scenarioNotRunCheck.result('skip', reason, { title: `${name}: scenario ran` }));
  await suite.end();
}

async function runScenario(
  ctx: EngineContext,
  name: string,
  definition: ScenarioDefinition,
  addresses: LoopbackPool,
): Promise<void> {
  const suite = await ctx.recorder.suite(name, 'scenario');
  const sockets = new Set<Socket>();
  const timeoutMs = (definition.options?.checkTimeoutSec ?? DEFAULT_CHECK_TIMEOUT_SEC) * 1000;
  const socketUrl = (ctx.config.target.socketUrl ?? ctx.stack.baseUrl).replace(/\/$/, '');
  const scenarioCtx: ScenarioContext = {
    name,
    config: ctx.config,
    target: { baseUrl: ctx.stack.baseUrl, socketUrl, auth: ctx.auth, secrets: ctx.config.secrets },
    http: ctx.http,
    addresses,
    stack: ctx.stack,
    redactor: ctx.redactor,
    signal: ctx.signal,
    socket(namespace, options) {
      const socket = io(`${socketUrl}${namespace}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        autoConnect: false,
        ...options,
      });
      sockets.add(socket);
      return socket;
    },
    check: (...call: CheckCall) => runCheck(suite, ctx.http, timeoutMs, call),
    log: (message) => suite.log('info', message),
  };
  let error: string | undefined;
  try {
    await definition.run(scenarioCtx);
  } catch (err) {
    if (err instanceof ShakedownError && err.exitCode !== 4) throw err;
    error = `scenario crashed: ${(err as Error).stack ?? String(err)}`;
  } finally {
    for (const socket of sockets) socket.disconnect();
    await suite.end(error);
  }
}
