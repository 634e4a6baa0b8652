import type { MetricView } from './aggregate.ts';

/**
 * k6's threshold grammar, plus a window form:
 *
 *   threshold   := aggregation op number [ "over" duration ]
 *   aggregation := "avg" | "min" | "max" | "med" | "count" | "rate" | "value" | "p(" number ")"
 *   op          := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
 *   duration    := number ( "ms" | "s" | "m" | "h" )
 *
 * `p(95)<150` holds over the whole run; `p(95)<150 over 60s` must hold in every 60-second span.
 */
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export type Aggregation =
  | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' }
  | { kind: 'percentile'; p: number };

export interface ParsedThreshold {
  /** The expression as written. */
  source: string;
  aggregation: Aggregation;
  /** The aggregation as k6 spells it: `p(95)`, `avg`, `rate`. */
  stat: string;
  op: ThresholdOp;
  value: number;
  /** Set for the window form: the span every window must satisfy the threshold over. */
  overSec?: number;
}

export class ThresholdSyntaxError extends Error {
  readonly source: string;
  /** Zero-based column of the problem. */
  readonly position: number;
  readonly reason: string;

  constructor(source: string, position: number, reason: string) {
    super(`'${source}': ${reason} at column ${position + 1}\n    ${source}\n    ${' '.repeat(position)}^`);
    this.name = 'ThresholdSyntaxError';
    this.source = source;
    this.position = position;
    this.reason = reason;
  }
}

const OPS: readonly ThresholdOp[] = ['===', '<=', '>=', '==', '!=', '<', '>'];
const WORDS = ['avg', 'min', 'max', 'med', 'count', 'rate', 'value'] as const;
const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function parseThreshold(source: string): ParsedThreshold {
  const cursor: Cursor = new Cursor(source);
  cursor.skipSpace();
  const aggregation = parseAggregation(cursor);
  cursor.skipSpace();
  const op = OPS.find((candidate) => cursor.rest().startsWith(candidate));
  if (!op) cursor.fail(`expected an operator (${OPS.slice().reverse().join(' ')})`);
  cursor.advance(op.length);
  cursor.skipSpace();
  const value = cursor.number('a number after the operator');
  const afterValue = cursor.pos;
  cursor.skipSpace();
  let overSec: number | undefined;
  if (!cursor.done()) {
    if (cursor.pos === afterValue || !cursor.rest().startsWith('over')) {
      cursor.fail("expected the end of the threshold or 'over <duration>'");
    }
    cursor.advance(4);
    const spaceAt = cursor.pos;
    cursor.skipSpace();
    if (cursor.pos === spaceAt) cursor.fail("expected a space after 'over'");
    overSec = parseDuration(cursor);
    cursor.skipSpace();
    if (!cursor.done()) cursor.fail('unexpected text after the duration');
  }
  const stat = aggregation.kind === 'percentile' ? `p(${aggregation.p})` : aggregation.kind;
  return { source, aggregation, stat, op, value, ...(overSec !== undefined ? { overSec } : {}) };
}

function parseAggregation(cursor: Cursor): Aggregation {
  if (cursor.rest().startsWith('p(')) {
    cursor.advance(2);
    cursor.skipSpace();
    const at = cursor.pos;
    const p = cursor.number('a percentile between 0 and 100');
    if (p < 0 || p > 100)
      throw new ThresholdSyntaxError(cursor.source, at, 'the percentile must be between 0 and 100');
    cursor.skipSpace();
    if (cursor.peek() !== ')') cursor.fail("expected ')'");
    cursor.advance(1);
    return { kind: 'percentile', p };
  }
  const word = /^[a-z]+/i.exec(cursor.rest())?.[0] ?? '';
  const known = WORDS.find((w) => w === word);
  if (!known) {
    cursor.fail(
      word
        ? `unknown aggregation '${word}'; expected avg, min, max, med, count, rate, value or p(N)`
        : 'expected an aggregation (avg, min, max, med, count, rate, value or p(N))',
    );
  }
  cursor.advance(word.length);
  return { kind: known };
}

function parseDuration(cursor: Cursor): number {
  const at = cursor.pos;
  const amount = cursor.number('a duration like 60s, 5m or 500ms');
  const unit = /^(ms|s|m|h)(?![a-z])/i.exec(cursor.rest())?.[1]?.toLowerCase();
  if (!unit) cursor.fail('expected a unit after the duration: ms, s, m or h');
  cursor.advance(unit.length);
  const seconds = amount * UNIT_SEC[unit];
  if (!(seconds > 0)) throw new ThresholdSyntaxError(cursor.source, at, 'the duration must be positive');
  return seconds;
}

class Cursor {
  readonly source: string;
  pos = 0;

  constructor(source: string) {
    this.source = source;
  }

  rest(): string {
    return this.source.slice(this.pos);
  }

  peek(): string {
    return this.source[this.pos] ?? '';
  }

  done(): boolean {
    return this.pos >= this.source.length;
  }

  advance(n: number): void {
    this.pos += n;
  }

  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos += 1;
  }

  number(what: string): number {
    const match = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(this.rest());
    if (!match) this.fail(`expected ${what}`);
    this.pos += match[0].length;
    return Number(match[0]);
  }

  fail(reason: string): never {
    throw new ThresholdSyntaxError(this.source, this.pos, reason);
  }
}

export function compare(observed: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
    case '===':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

export type Observation =
  | { ok: true; observed: number; metricKind: MetricKind }
  | { ok: false; problem: string; metricKind?: MetricKind };

export type MetricKind = 'histogram' | 'counter' | 'rate' | 'gauge';

const APPLIES: Record<MetricKind, readonly string[]> = {
  histogram: ['avg', 'min', 'max', 'med', 'percentile', 'count'],
  counter: ['count', 'rate'],
  rate: ['rate'],
  gauge: ['value', 'min', 'max', 'avg'],
};

/**
 * The observed value of a threshold's aggregation over a view. A metric the view has never seen, or
 * an aggregation that does not apply to its kind (`p(95)` of a counter), is a problem, not a pass.
 */
export function observe(threshold: ParsedThreshold, metric: string, view: MetricView): Observation {
  const kind = metricKind(metric, view);
  if (!kind) return { ok: false, problem: `no samples of ${metric} were recorded` };
  const { aggregation } = threshold;
  if (!APPLIES[kind].includes(aggregation.kind)) {
    const allowed = APPLIES[kind].map((k) => (k === 'percentile' ? 'p(N)' : k)).join(', ');
    return {
      ok: false,
      metricKind: kind,
      problem: `${threshold.stat} does not apply to ${metric}, a ${kind} metric; use ${allowed}`,
    };
  }
  const observed = aggregate(kind, metric, aggregation, view);
  return { ok: true, observed, metricKind: kind };
}

function metricKind(metric: string, view: MetricView): MetricKind | undefined {
  if (view.histogram(metric)) return 'histogram';
  if (view.rate(metric) !== undefined) return 'rate';
  if (view.counter(metric) !== undefined) return 'counter';
  if (view.gauge(metric)) return 'gauge';
  return undefined;
}

function aggregate(kind: MetricKind, metric: string, aggregation: Aggregation, view: MetricView): number {
  if (kind === 'histogram') {
    const h = view.histogram(metric)!;
    switch (aggregation.kind) {
      case 'percentile':
        return h.percentile(aggregation.p);
      case 'med':
        return h.percentile(50);
      case 'avg':
        return h.mean;
      case 'min':
        return h.min;
      case 'max':
        return h.max;
      default:
        return h.count;
    }
  }
  if (kind === 'rate') return view.rate(metric)!;
  if (kind === 'counter') {
    const count = view.counter(metric)!;
    return aggregation.kind === 'count' ? count : view.durationSec > 0 ? count / view.durationSec : 0;
  }
  const g = view.gauge(metric)!;
  switch (aggregation.kind) {
    case 'min':
      return g.min;
    case 'max':
      return g.max;
    case 'avg':
      return g.sum / g.n;
    default:
      return g.last;
  }
}
