import { describe, expect, it } from 'vitest';
import { compareDrift, LinearTrend, studentT975 } from '../../../src/metrics/trend.ts';

/** A seeded PRNG (mulberry32) and Box–Muller, so the noisy series are the same on every run. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

const MiB = 1024 * 1024;

describe('LinearTrend', () => {
  it('recovers an exact line', () => {
    const trend = new LinearTrend();
    for (let x = 0; x < 10; x += 1) trend.add(x, 3 * x + 7);
    const fit = trend.fit()!;
    expect(fit.slope).toBeCloseTo(3, 10);
    expect(fit.intercept).toBeCloseTo(7, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
    expect(fit.slopeStdErr).toBeCloseTo(0, 8);
    expect(fit).toMatchObject({ n: 10, xMin: 0, xMax: 9 });
  });

  it('needs three points and a spread in x', () => {
    const trend = new LinearTrend();
    trend.add(1, 1);
    trend.add(2, 2);
    expect(trend.fit()).toBeNull();
    const flat = new LinearTrend();
    for (let i = 0; i < 5; i += 1) flat.add(4, i);
    expect(flat.fit()).toBeNull();
  });

  it('finds a slow RSS leak under noise, with a confidence interval around the true slope', () => {
    // 15 minutes sampled every second: 120 MB base, +2 MiB/min, ±3 MiB noise.
    const noise = gaussian(7);
    const trend = new LinearTrend();
    for (let s = 0; s < 900; s += 1) trend.add(s / 60, 120e6 + 2 * MiB * (s / 60) + 3 * MiB * noise());
    const fit = trend.fit()!;
    expect(fit.slope / MiB).toBeGreaterThan(1.8);
    expect(fit.slope / MiB).toBeLessThan(2.2);
    expect(fit.slopeCi95[0]).toBeLessThan(2 * MiB);
    expect(fit.slopeCi95[1]).toBeGreaterThan(2 * MiB);
    expect(fit.slopeCi95[0]).toBeGreaterThan(0);
  });

  it('does not see a slope in flat noise', () => {
    const noise = gaussian(11);
    const trend = new LinearTrend();
    for (let s = 0; s < 600; s += 1) trend.add(s / 60, 80e6 + 4 * MiB * noise());
    const fit = trend.fit()!;
    expect(fit.slopeCi95[0]).toBeLessThan(0);
    expect(fit.slopeCi95[1]).toBeGreaterThan(0);
    expect(fit.r2).toBeLessThan(0.05);
  });

  it('stays exact with large offsets (bytes around 1e9)', () => {
    const trend = new LinearTrend();
    for (let i = 0; i < 1000; i += 1) trend.add(1e6 + i, 1e9 + 0.5 * i);
    const fit = trend.fit()!;
    expect(fit.slope).toBeCloseTo(0.5, 9);
    expect(fit.r2).toBeCloseTo(1, 9);
  });

  it('matches the t table', () => {
    expect(studentT975(1)).toBeCloseTo(12.706, 3);
    expect(studentT975(4)).toBeCloseTo(2.776, 3);
    expect(studentT975(20)).toBeCloseTo(2.086, 2);
    expect(studentT975(60)).toBeCloseTo(2.0, 2);
    expect(studentT975(10_000)).toBeCloseTo(1.96, 2);
  });
});

describe('compareDrift', () => {
  const bounds = { maxFactor: 1.5, minDelta: 5 };

  it.each([
    // earlier, later, drifted, why
    [10, 40, true, 'four times slower and 30 ms more'],
    [10, 14, false, 'under the factor'],
    [2, 6, false, 'three times slower but only 4 ms more'],
    [20, 31, true, 'just over ×1.5 and 11 ms'],
    [20, 30, false, 'exactly ×1.5 does not fail'],
    [40, 10, false, 'faster'],
    [0, 0, false, 'no latency at all'],
    [0, 6, true, 'from nothing to more than the floor'],
  ])('%d ms → %d ms drifted: %s (%s)', (earlier, later, drifted) => {
    const result = compareDrift(earlier, later, bounds);
    expect(result.drifted).toBe(drifted);
    expect(result.delta).toBe(later - earlier);
  });

  it('reports the factor', () => {
    expect(compareDrift(10, 25, bounds).factor).toBe(2.5);
    expect(compareDrift(0, 6, bounds).factor).toBe(Number.POSITIVE_INFINITY);
  });
});
