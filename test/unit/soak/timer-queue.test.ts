import { describe, expect, it } from 'vitest';
import { MAX_EARLY_MS, SleepGroup, slackFor, TimerQueue } from '../../../src/soak/timer-queue.ts';

const now = () => performance.now();

describe('TimerQueue: every sleep of a worker under one timer', () => {
  it('lets sleeps out in time order, none before it is due when it has no slack', async () => {
    const queue = new TimerQueue(now);
    const group = new SleepGroup();
    const start = now();
    const order: number[] = [];
    const late: number[] = [];
    // Added out of order, with two due together: the heap must sort them.
    const delays = [40, 5, 25, 25, 60, 1, 15];
    await Promise.all(
      delays.map(async (delay, index) => {
        const at = start + delay;
        expect(await queue.sleep(at, 'due', 'woken', group)).toBe('due');
        order.push(index);
        late.push(now() - at);
      }),
    );
    expect(order.map((index) => delays[index])).toEqual([...delays].sort((a, b) => a - b));
    // performance.now() and the timers' clock may disagree by a fraction of a millisecond.
    for (const ms of late) expect(ms).toBeGreaterThanOrEqual(-0.5);
    expect(group.size).toBe(0);
    expect(queue.size).toBe(0);
  });

  it('lets a sleep out up to its slack early with one due before it, never earlier than that', async () => {
    const queue = new TimerQueue(now);
    const group = new SleepGroup();
    const start = now();
    const woke: Record<string, number> = {};
    const sleep = async (name: string, at: number, slack: number) => {
      await queue.sleep(at, true, false, group, slack);
      woke[name] = now();
    };
    await Promise.all([
      sleep('first', start + 30, 0),
      // Within its slack of the first: let out by the same wake-up, about 6 ms early.
      sleep('shared', start + 36, 8),
      // Beyond its slack: waits for a wake-up of its own.
      sleep('own', start + 200, 8),
    ]);
    expect(woke.shared - woke.first).toBeLessThan(2);
    expect(woke.shared).toBeLessThan(start + 36);
    expect(woke.own).toBeGreaterThanOrEqual(start + 200 - 8);
  });

  it('gives a sleep a fiftieth of its length as slack, at most MAX_EARLY_MS', () => {
    expect(slackFor(500)).toBe(MAX_EARLY_MS);
    expect(slackFor(100)).toBe(2);
    expect(slackFor(10)).toBeCloseTo(0.2);
    expect(slackFor(-5)).toBe(0);
  });

  it('wakes one group early and leaves the others sleeping', async () => {
    const queue = new TimerQueue(now);
    const session = new SleepGroup();
    const other = new SleepGroup();
    const at = now() + 200;
    const first = queue.sleep(at, true, false, session);
    const second = queue.sleep(at + 10, true, false, session);
    const kept = queue.sleep(now() + 30, 'due', 'woken', other);
    expect(session.size).toBe(2);
    queue.wake(session);
    expect(await first).toBe(false);
    expect(await second).toBe(false);
    expect(session.size).toBe(0);
    expect(await kept).toBe('due');
    queue.close();
  });

  it('re-arms for an earlier sleep added after a later one', async () => {
    const queue = new TimerQueue(now);
    const group = new SleepGroup();
    const slow = queue.sleep(now() + 10_000, 'slow', 'closed', group);
    const start = now();
    expect(await queue.sleep(start + 20, 'fast', 'closed', group)).toBe('fast');
    expect(now() - start).toBeLessThan(5_000);
    queue.close();
    expect(await slow).toBe('closed');
    expect(queue.size).toBe(0);
  });

  it('gives a sleep already due to the next firing, not a synchronous answer', async () => {
    const queue = new TimerQueue(now);
    const group = new SleepGroup();
    let settled = false;
    const past = queue.sleep(now() - 50, 1, 0, group).then((value) => {
      settled = true;
      return value;
    });
    expect(settled).toBe(false);
    expect(await past).toBe(1);
  });
});
