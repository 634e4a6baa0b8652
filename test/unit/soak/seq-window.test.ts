import { describe, expect, it } from 'vitest';
import { SeqWindow } from '../../../src/soak/seq-window.ts';

describe('SeqWindow', () => {
  it('tells in-order, out-of-order and duplicate arrivals apart', () => {
    const window = new SeqWindow(64);
    expect([0, 1, 3, 2, 3, 2, 4].map((seq) => window.record(seq))).toEqual([
      'in-order',
      'in-order',
      'in-order',
      'out-of-order',
      'duplicate',
      'duplicate',
      'in-order',
    ]);
  });

  it('keeps knowing duplicates after the ring wrapped many times, and forgets only what fell behind it', () => {
    const window = new SeqWindow(64);
    const arrivals = new Set<string>();
    for (let seq = 0; seq < 10_000; seq += 1) arrivals.add(window.record(seq));
    expect([...arrivals]).toEqual(['in-order']);
    expect(window.record(9_999 - 63)).toBe('duplicate');
    // Out of the window: past knowing, so it cannot be called a duplicate.
    expect(window.record(9_999 - 64)).toBe('out-of-order');
  });

  it('treats seqs skipped by a jump as not yet arrived', () => {
    const window = new SeqWindow(64);
    for (let seq = 0; seq < 64; seq += 1) window.record(seq);
    // Jumping ahead reuses the slots of 10..63 for 74..127: they must read as not arrived.
    expect(window.record(127)).toBe('in-order');
    expect(window.record(100)).toBe('out-of-order');
    expect(window.record(100)).toBe('duplicate');
    expect(window.record(10_000)).toBe('in-order');
    expect(window.record(9_990)).toBe('out-of-order');
  });
});
