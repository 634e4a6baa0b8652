import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Histogram } from '../../../src/metrics/histogram.ts';
import type { IntervalRecord, RunSummary } from '../../../src/run/model.ts';
import { rebuildReport } from '../../../src/run/rebuild.ts';
import type { RunRecorder } from '../../../src/run/recorder.ts';
import { Redactor } from '../../../src/run/redact.ts';
import type { Reporter } from '../../../src/run/reporter.ts';
import { testRecorder } from '../../helpers/recorder.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recorder(reporters: Reporter[] = []): RunRecorder {
  const runDir = mkdtempSync(path.join(tmpdir(), 'shakedown-recorder-'));
  dirs.push(runDir);
  return testRecorder(runDir, { redactor: new Redactor({ values: ['s3cret-value'] }), reporters });
}

/** A soak window as the engine records it: histograms with their HDR encodings, counters, gauges. */
function soakWindow(i: number, windowMs = 1_000): IntervalRecord {
  const rtt = new Histogram();
  for (let v = 0; v < 40; v += 1) rtt.record(3 + ((v * 7 + i) % 50) / 3);
  return {
    startMs: i * windowMs,
    endMs: (i + 1) * windowMs,
    metrics: {
      histograms: { event_rtt_ms: rtt.summary({ withHdr: true }), reply_latency_ms: rtt.summary() },
      counters: { events_sent: 600, events_acked: 600 },
      gauges: {
        sessions_active: 300,
        generator_rss_bytes: 200e6 + i,
        generator_heap_used_bytes: 60e6,
        server_rss_bytes: 100e6,
      },
      rates: { events_lost_rate: 0 },
    },
  };
}

async function recordWindows(count: number, reporters: Reporter[] = []) {
  const run = recorder(reporters);
  await run.start();
  const suite = await run.suite('voice', 'soak');
  for (let i = 0; i < count; i += 1) await suite.interval(soakWindow(i));
  await suite.end();
  return run;
}

/** Windows handed to reporters (the recorder's own redacted copies) still reachable after a GC. */
async function windowsRetained(count: number): Promise<number> {
  const refs: WeakRef<object>[] = [];
  const run = await recordWindows(count, [
    { name: 'weak-refs', onInterval: (_suite, interval) => void refs.push(new WeakRef(interval)) },
  ]);
  expect(refs).toHaveLength(count);
  // WeakRefs keep their targets alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const retained = refs.filter((ref) => ref.deref() !== undefined).length;
  await run.finish();
  return retained;
}

describe('RunRecorder memory', () => {
  it('keeps none of the windows it recorded, however many there are', async () => {
    expect(await windowsRetained(50)).toBe(0);
    expect(await windowsRetained(1_000)).toBe(0);
  });

  it('builds the same summary as a rebuild from events.ndjson, with every window', async () => {
    const run = await recordWindows(300);
    const summary = await run.finish();
    expect(summary.suites[0].intervals).toHaveLength(300);
    expect(summary.suites[0].intervals[299]).toEqual(soakWindow(299));
    const rebuilt = await rebuildReport(run.runDir, []);
    expect(rebuilt.summary).toEqual(summary);
    const written = JSON.parse(JSON.stringify(summary)) as RunSummary;
    expect(written.suites[0].completed).toBe(true);
    expect(readFileSync(path.join(run.runDir, 'events.ndjson'), 'utf8').split('\n')).toHaveLength(
      300 + 4 + 1,
    );
  });
});
