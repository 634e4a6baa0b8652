import { describe, expect, it } from 'vitest';
import { MergedWindow } from '../../../src/metrics/aggregate.ts';
import { Histogram } from '../../../src/metrics/histogram.ts';
import { compileThresholds, mergeThresholds } from '../../../src/metrics/threshold-set.ts';
import { compare, observe, parseThreshold, ThresholdSyntaxError } from '../../../src/metrics/thresholds.ts';

describe('threshold grammar', () => {
  it.each([
    ['p(95)<150', { stat: 'p(95)', op: '<', value: 150 }],
    ['p(99.9) <= 400', { stat: 'p(99.9)', op: '<=', value: 400 }],
    ['avg>10', { stat: 'avg', op: '>', value: 10 }],
    ['min>=0.5', { stat: 'min', op: '>=', value: 0.5 }],
    ['max==3', { stat: 'max', op: '==', value: 3 }],
    ['med===2', { stat: 'med', op: '===', value: 2 }],
    ['count!=0', { stat: 'count', op: '!=', value: 0 }],
    ['rate<0.001', { stat: 'rate', op: '<', value: 0.001 }],
    ['value < 1e6', { stat: 'value', op: '<', value: 1_000_000 }],
    ['  p( 50 ) <  -2.5 ', { stat: 'p(50)', op: '<', value: -2.5 }],
  ])('parses %s', (source, expected) => {
    const parsed = parseThreshold(source);
    expect(parsed).toMatchObject(expected);
    expect(parsed.source).toBe(source);
    expect(parsed.overSec).toBeUndefined();
  });

  it.each([
    ['p(95)<150 over 60s', 60],
    ['p(95)<150 over 500ms', 0.5],
    ['avg<5 over 2m', 120],
    ['rate<0.01   over 1h', 3600],
    ['p(99)<400 over 1.5m', 90],
  ])('parses the window form %s', (source, overSec) => {
    expect(parseThreshold(source).overSec).toBe(overSec);
  });

  it('keeps the percentile as a number', () => {
    expect(parseThreshold('p(99.99)<1').aggregation).toEqual({ kind: 'percentile', p: 99.99 });
    expect(parseThreshold('med<1').aggregation).toEqual({ kind: 'med' });
  });

  it.each([
    ['', 0, 'expected an aggregation'],
    ['p95<150', 0, "unknown aggregation 'p'"],
    ['average<3', 0, "unknown aggregation 'average'"],
    ['p(95<150', 4, "expected ')'"],
    ['p()<150', 2, 'expected a percentile'],
    ['p(101)<150', 2, 'between 0 and 100'],
    ['p(95)150', 5, 'expected an operator'],
    ['p(95)=<150', 5, 'expected an operator'],
    ['p(95)<', 6, 'expected a number'],
    ['p(95)<abc', 6, 'expected a number'],
    ['p(95)<150ms', 9, "expected the end of the threshold or 'over <duration>'"],
    ['p(95)<150 during 60s', 10, "'over <duration>'"],
    ['p(95)<150 over', 14, "expected a space after 'over'"],
    ['p(95)<150 over 60', 17, 'expected a unit'],
    ['p(95)<150 over 60 s', 17, 'expected a unit'],
    ['p(95)<150 over 0s', 15, 'must be positive'],
    ['p(95)<150 over 60s extra', 19, 'unexpected text'],
  ])('rejects %j at column %i', (source, position, reason) => {
    let error: unknown;
    try {
      parseThreshold(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ThresholdSyntaxError);
    const syntax = error as ThresholdSyntaxError;
    expect(syntax.position).toBe(position);
    expect(syntax.reason).toContain(reason);
    // The message points at the column with a caret under the expression.
    expect(syntax.message).toContain(`column ${position + 1}`);
    expect(syntax.message.split('\n')[2].indexOf('^')).toBe(4 + position);
  });
});

describe('compare', () => {
  it.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '<=', 2, false],
    [3, '>', 2, true],
    [2, '>', 2, false],
    [2, '>=', 2, true],
    [1, '>=', 2, false],
    [2, '==', 2, true],
    [2, '===', 3, false],
    [2, '!=', 3, true],
    [3, '!=', 3, false],
  ] as const)('%d %s %d is %s', (observed, op, value, expected) => {
    expect(compare(observed, op, value)).toBe(expected);
  });
});

describe('observe', () => {
  const window = new MergedWindow(0, 10_000);
  const rtt = new Histogram();
  for (let i = 1; i <= 100; i += 1) rtt.record(i);
  window.histograms.set('event_rtt_ms', rtt);
  window.addCounter('events_sent', 50);
  window.addRate('events_lost_rate', 1, 50);
  window.gauges.set('sessions_active', 7);

  it.each([
    ['p(95)<150', 'event_rtt_ms', 95],
    ['p(50)<150', 'event_rtt_ms', 50],
    ['med<150', 'event_rtt_ms', 50],
    ['avg<150', 'event_rtt_ms', 50.5],
    ['min<150', 'event_rtt_ms', 1],
    ['max<150', 'event_rtt_ms', 100],
    ['count>0', 'event_rtt_ms', 100],
    ['count>0', 'events_sent', 50],
    ['rate>0', 'events_sent', 5],
    ['rate<0.1', 'events_lost_rate', 0.02],
    ['value>0', 'sessions_active', 7],
    ['max>0', 'sessions_active', 7],
  ])('%s on %s observes %d', (source, metric, expected) => {
    const result = observe(parseThreshold(source), metric, window);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.observed).toBeCloseTo(expected, 1);
  });

  it('reports a metric that was never recorded', () => {
    const result = observe(parseThreshold('p(95)<1'), 'no_such_metric', window);
    expect(result).toMatchObject({ ok: false, problem: 'no samples of no_such_metric were recorded' });
  });

  it('reports an aggregation that does not apply to the metric', () => {
    const result = observe(parseThreshold('p(95)<1'), 'events_sent', window);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain('p(95) does not apply to events_sent, a counter metric');
  });
});

describe('threshold entries', () => {
  it('compiles strings and objects, with abortOnFail and delays', () => {
    const specs = compileThresholds(
      { event_rtt_ms: ['p(95)<150', { threshold: 'p(99)<400', abortOnFail: true, delayAbortSec: 30 }] },
      'script',
    );
    expect(specs.map((s) => [s.metric, s.expression.source, s.abortOnFail, s.delayAbortSec])).toEqual([
      ['event_rtt_ms', 'p(95)<150', false, 0],
      ['event_rtt_ms', 'p(99)<400', true, 30],
    ]);
  });

  it('reports every bad entry with its path', () => {
    let error: unknown;
    try {
      compileThresholds({ a: ['p(95<1', 'avg<1'], b: ['rate<'] }, 'config');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AggregateError);
    const message = (error as Error).message;
    expect(message).toContain("thresholds.a[0]: 'p(95<1': expected ')' at column 5");
    expect(message).toContain('thresholds.b[0]:');
    expect(message).not.toContain('thresholds.a[1]');
  });

  it('lets a config threshold replace the script one on the same metric, stat and span', () => {
    const script = compileThresholds(
      { event_rtt_ms: ['p(95)<150', 'p(99)<400', 'p(99)<1000 over 60s'], events_lost_rate: ['rate<0.001'] },
      'script',
    );
    const config = compileThresholds({ event_rtt_ms: ['p(95)<2000', 'p(99)<5000 over 60s'] }, 'config');
    const merged = mergeThresholds(script, config);
    expect(merged.map((s) => `${s.origin} ${s.metric} ${s.expression.source}`)).toEqual([
      'script event_rtt_ms p(99)<400',
      'script events_lost_rate rate<0.001',
      'config event_rtt_ms p(95)<2000',
      'config event_rtt_ms p(99)<5000 over 60s',
    ]);
  });
});
