import path from 'node:path';
import type { Engine, EngineContext } from '../engine.ts';
import { ShakedownError } from '../errors.ts';
import { lintSpec } from '../openapi/lint.ts';
import { type ApiSpec, loadSpec } from '../openapi/load.ts';
import type { SuiteRecorder } from '../report/recorder.ts';
import { loadContractHooks } from './hooks.ts';
import { planPhases } from './plan.ts';
import { ContractResults, lintResults, undocumentedBodyLint } from './results.ts';
import { ContractRun } from './run.ts';

/**
 * `shakedown contracts`: loads the spec, lints it, exercises every operation (positive, negative,
 * credentials, links, undocumented methods) with bounded concurrency, and records one result per
 * operation and check, plus coverage.
 */
export const contractsEngine: Engine = async (ctx) => {
  const { contracts, target } = ctx.config;
  if (!contracts.enabled) return;
  const specFile = contracts.spec ?? target.openapi;
  if (!specFile) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      'contracts need an OpenAPI document: set target.openapi (or contracts.spec) in the config.',
    );
  }
  const suite = await ctx.recorder.suite('contracts', 'contracts');
  try {
    const spec = await loadSpec(path.resolve(ctx.rootDir, specFile), { displayRoot: process.cwd() });
    const hooks = await loadContractHooks(ctx.rootDir, contracts.hooks, spec);
    if (hooks.files.length) await suite.log('info', `contract hooks: ${hooks.files.join(', ')}`);
    for (const result of lintResults(spec, lintSpec(spec))) await suite.check(result);
    await exercise(ctx, spec, new ContractRun(ctx, spec, hooks), suite);
    await suite.end(ctx.signal.aborted ? 'interrupted before every operation was exercised' : undefined);
  } catch (error) {
    await suite.end((error as Error).message);
    throw error;
  }
};

async function exercise(
  ctx: EngineContext,
  spec: ApiSpec,
  run: ContractRun,
  suite: SuiteRecorder,
): Promise<void> {
  const startedAt = performance.now();
  const total = spec.operations.length;
  let done = 0;
  for (const phase of planPhases(spec)) {
    await eachLimited(phase, ctx.config.contracts.concurrency, async (op) => {
      await run.exercise(op);
      done++;
      await suite.progress({
        elapsedMs: performance.now() - startedAt,
        status: `${done}/${total} operations · ${op.key}`,
      });
    });
  }
  await run.flushLinks();
  await run.probeMethods();
  const results = new ContractResults(spec, ctx.http, run);
  for (const op of spec.operations) {
    for (const result of [...results.forOperation(op), ...results.links(op), results.coverage(op)])
      await suite.check(result);
  }
  for (const probe of run.methodProbes) await suite.check(results.methodProbe(probe));
  for (const result of undocumentedBodyLint(spec, run)) await suite.check(result);
  await suite.check(results.summary());
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
