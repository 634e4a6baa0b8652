import { type ParsedThreshold, parseThreshold, ThresholdSyntaxError } from './thresholds.ts';

/** A threshold as written in an `options.thresholds` or config `thresholds` entry. */
export type ThresholdEntry = string | { threshold: string; abortOnFail?: boolean; delayAbortSec?: number };

export interface ThresholdSpec {
  metric: string;
  expression: ParsedThreshold;
  abortOnFail: boolean;
  delayAbortSec: number;
  /** Where it was written: script thresholds are the script author's, config ones the run's. */
  origin: 'script' | 'config';
}

export class ThresholdEntryError extends Error {
  /** `thresholds.event_rtt_ms[1]` */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/** Parses every entry, collecting all problems before failing, each named by its path. */
export function compileThresholds(
  entries: Readonly<Record<string, readonly ThresholdEntry[]>>,
  origin: ThresholdSpec['origin'],
): ThresholdSpec[] {
  const specs: ThresholdSpec[] = [];
  const problems: ThresholdEntryError[] = [];
  for (const [metric, list] of Object.entries(entries)) {
    list.forEach((entry, index) => {
      const path = `thresholds.${metric}[${index}]`;
      const source = typeof entry === 'string' ? entry : entry?.threshold;
      if (typeof source !== 'string') {
        problems.push(new ThresholdEntryError(path, "expected a string or { threshold: '...' }"));
        return;
      }
      try {
        specs.push({
          metric,
          expression: parseThreshold(source),
          abortOnFail: typeof entry === 'object' && entry.abortOnFail === true,
          delayAbortSec: typeof entry === 'object' ? (entry.delayAbortSec ?? 0) : 0,
          origin,
        });
      } catch (error) {
        if (!(error instanceof ThresholdSyntaxError)) throw error;
        problems.push(new ThresholdEntryError(path, error.message));
      }
    });
  }
  if (problems.length > 0) throw new AggregateError(problems, problems.map((p) => p.message).join('\n'));
  return specs;
}

/**
 * The run's thresholds: the script's, with the config's added. A config threshold on the same metric,
 * aggregation and span as a script one replaces it, so a config can loosen or tighten a script default.
 */
export function mergeThresholds(
  script: readonly ThresholdSpec[],
  config: readonly ThresholdSpec[],
): ThresholdSpec[] {
  const key = (s: ThresholdSpec) =>
    `${s.metric}\u0000${s.expression.stat}\u0000${s.expression.overSec ?? ''}`;
  const overridden = new Set(config.map(key));
  return [...script.filter((s) => !overridden.has(key(s))), ...config];
}
