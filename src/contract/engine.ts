import type { Engine, EngineContext } from '../engine-context.ts';
import { ShakedownError } from '../errors.ts';
import { lintSpec } from '../openapi/lint.ts';
import { type ApiSpec, loadSpec } from '../openapi/load.ts';
import { resolveSpecFile } from '../openapi/source.ts';
import type { SuiteRecorder } from '../run/recorder.ts';
import { loadContractHooks } from './hooks.ts';
import { planPhases } from './plan.ts';
import { ContractResults, lintResults, undocumentedBodyLint } from './results/index.ts';
import { ContractRun } from './run.ts';

/**
 * `shakedown contracts`: loads the spec, lints it, exercises every operation (positive, negative,
 * credentials, links, undocumented methods) with bounded concurrency, and records one result per
 * operation and check, plus coverage.
 */
export const contractsEngine: Engine = async (ctx) => {
  const { contracts, target } = ctx.config;
  if (!contracts.enabled) {
    await ctx.recorder.log('info', 'contracts: disabled in the config (contracts.enabled: false); skipped.');
    return;
  }
  const specFile = contracts.spec ?? target.openapi;
  if (!specFile) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      'contracts need an OpenAPI document: pass --spec <file|url|/path-on-target>, or set target.openapi (or contracts.spec) in the config.',
    );
  }
  const suite = await ctx.recorder.suite('contracts', 'contracts');
  try {
    // A URL, or a path on the target such as /openapi.json, is fetched once and kept in the run directory.
    const source = await resolveSpecFile(specFile, {
      rootDir: ctx.rootDir,
      baseUrl: ctx.stack.baseUrl,
      saveDir: ctx.runDir,
      signal: ctx.signal,
    });
    if (source.url)
      await suite.log('info', `OpenAPI document fetched from ${source.url} (saved as ${source.file})`);
    const spec = await loadSpec(source.file, { displayRoot: process.cwd() });
    const hooks = await loadContractHooks(ctx.rootDir, contracts.hooks, spec);
    if (hooks.files.length) await suite.log('info', `contract hooks: ${hooks.files.join(', ')}`);
    for (const result of lintResults(spec, lintSpec(spec))) await suite.check(result);
    await exercise(ctx, spec, new ContractRun(ctx, spec, hooks), suite);
    // An interruption is the run's status (summary.status), not a suite error: what ran is judged.
    await suite.end();
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
  const results = new ContractResults(spec, ctx.http, run, stoppedEarly(ctx));
  for (const op of spec.operations) {
    for (const result of [...results.forOperation(op), ...results.links(op), results.coverage(op)])
      await suite.check(result);
  }
  for (const probe of run.methodProbes) await suite.check(results.methodProbe(probe));
  for (const result of undocumentedBodyLint(spec, run)) await suite.check(result);
  await suite.check(results.summary());
}

function stoppedEarly(ctx: EngineContext): string | undefined {
  if (ctx.signal.aborted) return 'interrupted before it was exercised';
  if (ctx.targetLost.aborted) return 'the target was lost before it was exercised';
  return undefined;
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
