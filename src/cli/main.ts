import path from 'node:path';
import { DEFAULT_TOLERANCES } from '../config/baseline.ts';
import { loadConfig } from '../config/resolve.ts';
import type { EngineName } from '../engine-context.ts';
import { ExitCode, type ExitCodeValue, ShakedownError, toShakedownError } from '../errors.ts';
import { formatSinceBaseline } from '../report/baseline/format.ts';
import { loadBaseline } from '../report/baseline/load.ts';
import { rebuildWithBaseline } from '../report/baseline/record.ts';
import { openInBrowser } from '../report/html/open.ts';
import { HTML_FILE } from '../report/html/reporter.ts';
import { createReporters } from '../report/reporters/index.ts';
import { rebuildReport } from '../run/rebuild.ts';
import type { ReporterName } from '../run/reporter.ts';
import { exitCodeFor, runShakedown, SHAKEDOWN_VERSION } from '../runner.ts';
import { type ParsedArgs, parseCliArgs } from './args.ts';
import { HELP } from './help.ts';

const ENGINES_OF: Record<'run' | 'contracts' | 'scenarios' | 'soak' | 'load', EngineName[]> = {
  run: ['contracts', 'scenarios', 'soak', 'load'],
  contracts: ['contracts'],
  scenarios: ['scenarios'],
  soak: ['soak'],
  load: ['load'],
};

/** The CLI: parses, dispatches to the library API, maps every outcome to an exit code. */
export async function main(argv: readonly string[]): Promise<ExitCodeValue> {
  try {
    return await dispatch(parseCliArgs(argv));
  } catch (error) {
    const err = toShakedownError(error);
    process.stderr.write(`shakedown: ${err.message}\n  (${err.code}, exit ${err.exitCode})\n`);
    return err.exitCode;
  }
}

async function dispatch(args: ParsedArgs): Promise<ExitCodeValue> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (args.flags.version) {
    out(SHAKEDOWN_VERSION);
    return ExitCode.Pass;
  }
  if (args.flags.help || args.command === null) {
    out(HELP);
    if (args.command === null && !args.flags.help) throw new ShakedownError('SHK_USAGE', 'no command given.');
    return ExitCode.Pass;
  }
  // The other commands' modules are imported when used: a soak's process keeps only what it runs.
  switch (args.command) {
    case 'report':
      return reportCommand(args);
    case 'stack': {
      const action = args.positionals[0];
      if (action !== 'up' && action !== 'down')
        throw new ShakedownError('SHK_USAGE', "expected 'shakedown stack up' or 'shakedown stack down'.");
      const loaded = await loadConfig(args.flags);
      const { stackDown, stackUp } = await import('./stack-command.ts');
      return action === 'up' ? stackUp(loaded, out) : stackDown(loaded, out);
    }
    case 'init':
      return (await import('./init.ts')).initCommand(args, out);
    case 'webhook':
      return (await import('./webhook-command.ts')).webhookCommand(args, out);
    case 'k6':
      return (await import('./k6-command.ts')).k6Command(args, out);
    default:
      return runCommand(args, args.command);
  }
}

async function runCommand(args: ParsedArgs, command: keyof typeof ENGINES_OF): Promise<ExitCodeValue> {
  if (command !== 'scenarios' && args.positionals.length > 0) {
    throw new ShakedownError(
      'SHK_USAGE',
      `'shakedown ${command}' takes no arguments, got '${args.positionals.join(' ')}'.`,
    );
  }
  const loaded = await loadConfig(args.flags);
  const baseline = args.flags.baseline ? loadBaseline(args.flags.baseline) : undefined;
  const controller = new AbortController();
  let runDir: string | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // events.ndjson is written synchronously, event by event: it is whole; the rest can be rebuilt.
      process.stderr.write(
        `\nquit without writing the report${runDir ? `; rebuild it with: shakedown report ${runDir}` : ''}\n`,
      );
      process.exit(ExitCode.Incomplete);
    }
    process.stderr.write(
      '\nstopping: finishing the current step and writing the report (Ctrl-C again to quit now)\n',
    );
    controller.abort(signal === 'SIGINT' ? 'interrupted by Ctrl-C (SIGINT)' : `interrupted by ${signal}`);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const outcome = await runShakedown({
      loaded,
      command: [command, ...args.positionals].join(' '),
      engines: ENGINES_OF[command],
      engineOptions: {
        names: command === 'scenarios' ? args.positionals : undefined,
        workers: args.flags.workers ? Number(args.flags.workers) : undefined,
        validate: args.flags.validate !== undefined ? Number(args.flags.validate) : undefined,
      },
      quiet: args.flags.quiet,
      verbose: args.flags.verbose,
      signal: controller.signal,
      onRunDir: (dir) => {
        runDir = dir;
      },
      baseline: baseline && { loaded: baseline, force: args.flags.force ?? false },
    });
    const { error } = outcome.summary;
    // Without the console reporter nothing else prints it; the code is what a CI log is searched for.
    if (error && !loaded.config.reporters.includes('console'))
      process.stderr.write(`shakedown: ${error.message}\n  (${error.code}, exit ${error.exitCode})\n`);
    return outcome.exitCode;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

async function reportCommand(args: ParsedArgs): Promise<ExitCodeValue> {
  const [runDir, ...extra] = args.positionals;
  if (!runDir || extra.length > 0)
    throw new ShakedownError('SHK_USAGE', "expected 'shakedown report <runDir>'.");
  const names = (args.flags.reporter ?? ['json', 'junit', 'html']).filter(
    (n) => n !== 'console',
  ) as ReporterName[];
  if (args.flags.open && !names.includes('html'))
    throw new ShakedownError(
      'SHK_USAGE',
      '--open needs the html reporter (drop --reporter, or add --reporter html).',
    );
  // The HTML report explains each check from the registry; a run registers the checks of the engines
  // it ran, a rebuild has run none, so every check module is loaded here.
  await import('../check-catalog.ts');
  const reporters = createReporters(names, { quiet: true });
  const dir = path.resolve(runDir);
  const { summary, skippedLines, reporterFailures } = args.flags.baseline
    ? await rebuildWithBaseline(dir, reporters, {
        baseline: loadBaseline(args.flags.baseline),
        // Tolerances come from a config only when one is named; a report needs none otherwise.
        tolerances: args.flags.config ? (await loadConfig(args.flags)).config.baseline : DEFAULT_TOLERANCES,
        force: args.flags.force ?? false,
      })
    : await rebuildReport(dir, reporters);
  for (const failure of reporterFailures)
    process.stderr.write(`reporter ${failure.reporter} failed: ${failure.message}\n`);
  const c = summary.counts;
  const state = summary.status?.state ?? (summary.incomplete ? 'incomplete' : 'complete');
  const unfinished =
    state === 'complete' ? '' : ` (${state}: ${summary.status?.reason ?? 'the run did not finish'})`;
  process.stdout.write(
    `${summary.verdict.toUpperCase()}${unfinished} · ${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.skip} skipped · rebuilt ${names.join(', ')} in ${dir}${skippedLines ? ` · ${skippedLines} unreadable line(s) skipped` : ''}\n`,
  );
  if (summary.baseline) process.stdout.write(`${formatSinceBaseline(summary.baseline)}\n`);
  const html = path.join(dir, HTML_FILE);
  if (names.includes('html')) process.stdout.write(`report: ${html}\n`);
  if (args.flags.open) process.stdout.write(`${await openInBrowser(html)}\n`);
  return exitCodeFor(summary);
}
