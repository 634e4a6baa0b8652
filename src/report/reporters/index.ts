import type { Reporter, ReporterName } from '../../run/reporter.ts';
import { htmlReporter } from '../html/reporter.ts';
import { consoleReporter } from './console.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';

export interface ReporterContext {
  quiet: boolean;
  /** Console: every warning and skip on its own line instead of grouped by check id. */
  verbose?: boolean;
}

const factories: Record<ReporterName, (ctx: ReporterContext) => Reporter> = {
  console: (ctx) => consoleReporter({ quiet: ctx.quiet, verbose: ctx.verbose ?? false }),
  json: () => jsonReporter(),
  junit: () => junitReporter(),
  html: () => htmlReporter(),
};

export function createReporters(names: readonly ReporterName[], ctx: ReporterContext): Reporter[] {
  return [...new Set(names)].map((name) => factories[name](ctx));
}
