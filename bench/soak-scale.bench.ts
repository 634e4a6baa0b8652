/**
 * Sessions a soak generator actually holds, measured rather than projected: soak/voice-sessions.soak.ts
 * against bench/echo-server.ts (a target that only echoes, in its own process, so it is not the
 * bottleneck), sessions ramped up steadily until the generator gives out: its event-loop p99 over
 * 50 ms or a worker's CPU over 90% of its core, in two windows running. The answer is the sessions it
 * held at 2 events/s (each session's acked rate ≥ 1.9/s) before that, per generator core (worker).
 *
 *   node bench/soak-scale.bench.ts
 *   BENCH_SCALE_WORKERS=2 BENCH_SCALE_MAX_SESSIONS=8000 BENCH_SCALE_RAMP_SEC=400 node bench/soak-scale.bench.ts
 *
 * Bounded: at most BENCH_SCALE_MAX_SESSIONS sessions and the ramp plus 30 s; loopback only. No
 * assertions: it prints a table and one JSON line (and bench/results/soak-scale.json with
 * BENCH_WRITE_RESULT=1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IntervalRecord } from '../src/run/model.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const workers = Number(process.env.BENCH_SCALE_WORKERS ?? 1);
const maxSessions = Number(process.env.BENCH_SCALE_MAX_SESSIONS ?? 5000 * workers);
const rampUpSec = Number(process.env.BENCH_SCALE_RAMP_SEC ?? 300);
const eventsPerSec = 2;
const windowSec = 5;
const durationSec = rampUpSec + 30;
const LOOP_P99_LIMIT_MS = 50;
const CPU_LIMIT_PCT = 90;
const HELD_RATE = 1.9;

interface Step {
  atSec: number;
  sessions: number;
  ackedPerSessionSec: number;
  cpuPct: number;
  loopP99Ms: number;
  overloaded: boolean;
}

const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
const echo = await startEcho();
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'shakedown-scale-')));
try {
  process.stderr.write(
    `bench: up to ${maxSessions} sessions over ${rampUpSec} s on ${workers} worker(s), ${eventsPerSec} ev/s each, against the echo server (${cpus().length} cores)\n`,
  );
  const steps = await rampUntilOverloaded(echo.url);
  report(steps);
} finally {
  echo.process.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

async function startEcho(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/echo-server.ts')], {
    env: { ...process.env, ECHO_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the echo server did not start in 30 s')), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}

async function rampUntilOverloaded(url: string): Promise<Step[]> {
  writeFileSync(
    path.join(dir, 'shakedown.config.ts'),
    `export default ${JSON.stringify({
      soak: {
        script: path.join(ROOT, 'soak/voice-sessions.soak.ts'),
        sessions: maxSessions,
        eventsPerSec,
        durationSec,
        rampUpSec,
        warmupSec: windowSec,
        windowSec,
        sessionLifetimeSec: durationSec * 2,
        loopbackSources: 0,
      },
      reporters: ['json'],
    })};\n`,
  );
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/shakedown.js'), 'soak', '--quiet', '--target', url, '--workers', String(workers)],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const steps: Step[] = [];
  const deadline = Date.now() + (durationSec + 60) * 1000;
  let overloadedInARow = 0;
  let stopped = false;
  while (Date.now() < deadline) {
    const done = await Promise.race([exited.then(() => true), sleep(1_000).then(() => false)]);
    for (const interval of newIntervals(steps.length)) {
      const step = stepOf(interval);
      steps.push(step);
      overloadedInARow = step.overloaded ? overloadedInARow + 1 : 0;
    }
    if (done) break;
    if (overloadedInARow >= 2 && !stopped) {
      stopped = true;
      child.kill('SIGINT');
    }
  }
  if (child.exitCode === null) child.kill('SIGKILL');
  await exited;
  return steps;
}

function newIntervals(seen: number): IntervalRecord[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'reports', 'latest', 'events.ndjson'), 'utf8');
  } catch {
    return [];
  }
  const intervals: IntervalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"type":"interval"')) continue;
    try {
      intervals.push(JSON.parse(line).interval as IntervalRecord);
    } catch {
      // A line being written: read again next time.
    }
  }
  return intervals.slice(seen);
}

function stepOf(interval: IntervalRecord): Step {
  const { gauges, counters } = interval.metrics;
  const sec = (interval.endMs - interval.startMs) / 1000;
  const sessions = gauges.sessions_active_avg ?? 0;
  const cpuPct = gauges.generator_cpu_pct ?? 0;
  const loopP99Ms = gauges.generator_event_loop_p99_ms ?? 0;
  return {
    atSec: interval.endMs / 1000,
    sessions,
    ackedPerSessionSec: sessions > 0 ? (counters.events_acked ?? 0) / sec / sessions : 0,
    cpuPct,
    loopP99Ms,
    overloaded: cpuPct > CPU_LIMIT_PCT || loopP99Ms > LOOP_P99_LIMIT_MS,
  };
}

function report(steps: Step[]): void {
  // Held: a window within both limits, every session at its rate, and full-length.
  const held = steps.filter((s) => !s.overloaded && s.ackedPerSessionSec >= HELD_RATE);
  const firstOverloaded = steps.findIndex((s, i) => s.overloaded && steps[i + 1]?.overloaded);
  const before = firstOverloaded === -1 ? held : held.filter((s) => steps.indexOf(s) < firstOverloaded);
  const best = before.reduce((m, s) => Math.max(m, s.sessions), 0);
  const every = Math.max(1, Math.ceil(steps.length / 20));
  const rows = [['t (s)', 'sessions', 'acked/s per session', 'worker CPU %', 'event-loop p99 ms']];
  for (const [i, s] of steps.entries()) {
    if (i % every !== 0 && !s.overloaded) continue;
    rows.push([
      String(s.atSec),
      s.sessions.toFixed(0),
      s.ackedPerSessionSec.toFixed(2),
      s.cpuPct.toFixed(0),
      `${s.loopP99Ms.toFixed(1)}${s.overloaded ? ' (over)' : ''}`,
    ]);
  }
  const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(width[c])).join('  ')}\n`);
  const reason =
    firstOverloaded === -1
      ? `never overloaded up to ${maxSessions} sessions (raise BENCH_SCALE_MAX_SESSIONS)`
      : `overloaded from ${steps[firstOverloaded].atSec} s`;
  process.stdout.write(
    `\nsessions held at ${eventsPerSec} ev/s: ${best.toFixed(0)} on ${workers} worker(s) → ${(best / workers).toFixed(0)} per generator core (goal ≥ 2,000); ${reason}\n`,
  );
  const result = {
    bench: 'soak.scale',
    workers,
    eventsPerSec,
    maxSessions,
    rampUpSec,
    cores: cpus().length,
    loadAverage: { before: loadBefore, after: readFileSync('/proc/loadavg', 'utf8').trim() },
    heldSessions: best,
    heldSessionsPerCore: best / workers,
    overloadedAtSec: firstOverloaded === -1 ? null : steps[firstOverloaded].atSec,
    steps,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (process.env.BENCH_WRITE_RESULT) {
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/soak-scale.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
