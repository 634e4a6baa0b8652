import { describe, expect, it } from 'vitest';
import { MAX_TREND_POINTS, monotonicTrend, RISING_Z } from '../../../src/metrics/trend.ts';

/** Seeded noise (mulberry32), so the series are the same on every run. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** A 2-hour soak's per-window p95 with 1 s windows: 7,200 values. */
const WINDOWS = 7_200;

describe('monotonicTrend over a 2-hour soak', () => {
  it('finds a slow rise and puts its line on the original steps', () => {
    const rand = noise(7);
    // 20 ms rising to 30 ms over two hours, with ±4 ms of noise per window.
    const values = Array.from({ length: WINDOWS }, (_, i) => 20 + (10 * i) / (WINDOWS - 1) + 8 * rand());
    const trend = monotonicTrend(values);
    expect(trend.n).toBe(WINDOWS);
    expect(trend.z).toBeGreaterThan(RISING_Z);
    expect(trend.slopePerStep).toBeCloseTo(10 / (WINDOWS - 1), 4);
    expect(trend.fittedFirst).toBeCloseTo(20, 0);
    expect(trend.fittedLast).toBeCloseTo(30, 0);
  });

  it('finds no rise in a flat series with spikes', () => {
    const rand = noise(11);
    const values = Array.from({ length: WINDOWS }, (_, i) => 20 + 8 * rand() + (i % 97 === 0 ? 200 : 0));
    const trend = monotonicTrend(values);
    expect(trend.z).toBeLessThan(RISING_Z);
    expect(Math.abs(trend.fittedLast - trend.fittedFirst)).toBeLessThan(1);
  });

  it('judges a series up to the bound on every pair, as before', () => {
    const values = Array.from({ length: MAX_TREND_POINTS }, (_, i) => i % 2);
    // Alternating 0, 1: every rising pair has a falling twin, except the ones that tie.
    expect(monotonicTrend(values).s).toBe(MAX_TREND_POINTS / 2);
    expect(monotonicTrend([1, 2, 3]).s).toBe(3);
  });
});
