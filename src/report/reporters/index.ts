import { ShakedownError } from '../../errors.ts';
import { htmlReporter } from '../html/reporter.ts';
import type { Reporter } from '../reporter.ts';
import { consoleReporter } from './console.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';

export const REPORTER_NAMES = ['console', 'json', 'junit', 'html'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterContext {
  quiet: boolean;
  /** Console: every warning and skip on its own line instead of grouped by check id. */
  verbose?: boolean;
}

const factories: Record<ReporterName, ((ctx: ReporterContext) => Reporter) | null> = {
  console: (ctx) => consoleReporter({ quiet: ctx.quiet, verbose: ctx.verbose ?? false }),
  json: () => jsonReporter(),
  junit: () => junitReporter(),
  html: () => htmlReporter(),
};

export function createReporters(names: readonly ReporterName[], ctx: ReporterContext): Reporter[] {
  return [...new Set(names)].map((name) => {
    const factory = factories[name];
    if (!factory) {
      throw new ShakedownError(
        'SHK_NOT_AVAILABLE',
        `the '${name}' reporter is not available yet; use console, json or junit.`,
      );
    }
    return factory(ctx);
  });
}
