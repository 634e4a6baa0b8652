/**
 * What a soak tick costs the worker before anything is sent: the worker's timer queue
 * (src/soak/timer-queue.ts) against the reference, one `setInterval` per session (what the bare
 * socket.io-client script does). Each variant runs in its own process: N sessions ticking at 2/s
 * with random phases; after a warm-up, CPU per tick, the thread's wake-ups per second (a wake-up
 * costs more than the tick it is for) and how early ticks came.
 *
 *   node bench/soak-timers.bench.ts
 *   BENCH_TIMER_SESSIONS=1000 BENCH_TIMER_SEC=20 node bench/soak-timers.bench.ts
 *
 * Variants: `interval` (the reference), `queue, no slack` (every tick on time: a wake-up for each
 * distinct due time), `queue, 2 ms` (the earlier fixed 2 ms window) and `queue` (as shipped: a
 * fiftieth of the interval, at most 10 ms). Bounded by BENCH_TIMER_SEC per variant; no network.
 * No assertions.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SleepGroup, slackFor, TimerQueue } from '../src/soak/timer-queue.ts';

const sessions = Number(process.env.BENCH_TIMER_SESSIONS ?? 300);
const durationSec = Number(process.env.BENCH_TIMER_SEC ?? 15);
const warmupSec = 3;
const eventsPerSec = 2;
const intervalMs = 1000 / eventsPerSec;

const VARIANTS = {
  interval: 'one setInterval per session (reference)',
  'queue-0': 'timer queue, no slack',
  'queue-2': 'timer queue, 2 ms slack',
  queue: `timer queue, ${slackFor(intervalMs)} ms slack (shipped)`,
} as const;
type Variant = keyof typeof VARIANTS;

interface Result {
  variant: Variant;
  ticks: number;
  cpuUsPerTick: number;
  /** How early ticks came, in ms (negative: late). */
  earlyMaxMs: number;
  earlyMeanMs: number;
  /** Times the thread went to sleep and was woken, per second (Linux; null elsewhere). */
  wakeupsPerSec: number | null;
}

/** This thread's voluntary context switches: each is one sleep in epoll and one wake-up. */
function wakeups(): number | null {
  try {
    const status = readFileSync('/proc/thread-self/status', 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return null;
  }
}

async function measure(variant: Variant): Promise<Result> {
  const started = performance.now();
  const endAt = started + durationSec * 1000;
  let counting = false;
  let ticks = 0;
  let earlySum = 0;
  let earlyMax = Number.NEGATIVE_INFINITY;
  const tick = (at: number) => {
    if (!counting) return;
    const early = at - performance.now();
    ticks += 1;
    earlySum += early;
    if (early > earlyMax) earlyMax = early;
  };
  let cpu0 = process.cpuUsage();
  let wakeups0 = wakeups();
  let countingSince = started;
  setTimeout(() => {
    counting = true;
    cpu0 = process.cpuUsage();
    wakeups0 = wakeups();
    countingSince = performance.now();
  }, warmupSec * 1000);

  if (variant === 'interval') {
    await Promise.all(
      Array.from(
        { length: sessions },
        () =>
          new Promise<void>((done) => {
            const phase = Math.random() * intervalMs;
            setTimeout(() => {
              let at = performance.now();
              const timer = setInterval(() => {
                at += intervalMs;
                tick(at);
                if (performance.now() >= endAt) {
                  clearInterval(timer);
                  done();
                }
              }, intervalMs);
            }, phase);
          }),
      ),
    );
  } else {
    const queue = new TimerQueue(() => performance.now());
    const slack = variant === 'queue' ? slackFor(intervalMs) : variant === 'queue-2' ? 2 : 0;
    await Promise.all(
      Array.from({ length: sessions }, async () => {
        const group = new SleepGroup();
        const start = started + Math.random() * intervalMs;
        for (let seq = 1; ; seq += 1) {
          const at = start + seq * intervalMs;
          if (at >= endAt) return;
          await queue.sleep(at, true, false, group, slack);
          tick(at);
        }
      }),
    );
    queue.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const wakeups1 = wakeups();
  const countedSec = (performance.now() - countingSince) / 1000;
  return {
    variant,
    ticks,
    cpuUsPerTick: (cpu.user + cpu.system) / ticks,
    earlyMaxMs: earlyMax,
    earlyMeanMs: earlySum / ticks,
    wakeupsPerSec:
      wakeups0 === null || wakeups1 === null ? null : Math.round((wakeups1 - wakeups0) / countedSec),
  };
}

const only = process.argv[2] as Variant | undefined;
if (only) {
  process.stdout.write(`${JSON.stringify(await measure(only))}\n`);
} else {
  process.stdout.write(
    `bench: ${sessions} sessions × ${eventsPerSec} ticks/s, ${durationSec} s per variant (${warmupSec} s warm-up), each in its own process\n`,
  );
  const results: Result[] = [];
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), variant], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    results.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Result);
  }
  const reference = results[0].cpuUsPerTick;
  const rows = [
    ['variant', 'CPU per tick', 'vs reference', 'wake-ups/s', 'early, mean / max'],
    ...results.map((r) => [
      VARIANTS[r.variant],
      `${r.cpuUsPerTick.toFixed(1)} µs`,
      `${(r.cpuUsPerTick / reference).toFixed(2)}×`,
      r.wakeupsPerSec === null ? 'n/a' : String(r.wakeupsPerSec),
      `${r.earlyMeanMs.toFixed(2)} / ${r.earlyMaxMs.toFixed(2)} ms`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'soak.timers', sessions, eventsPerSec, durationSec, results })}\n`,
  );
}
