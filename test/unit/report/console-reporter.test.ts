import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../../src/report/reporters/console.ts';
import type { HistogramSummary, IntervalRecord } from '../../../src/run/model.ts';

/** A stream that keeps what was written; `isTTY` as a terminal or a CI log would report it. */
class FakeStream extends Writable {
  readonly chunks: string[] = [];
  readonly isTTY: boolean;
  readonly columns = 200;

  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
}

function latency(p95: number, p99: number): HistogramSummary {
  return { count: 400, min: 1, max: p99 + 5, mean: p95 / 2, p50: p95 / 3, p90: p95 - 1, p95, p99 };
}

/** A soak window as the engine records it: 20 sessions acking 40 events/s for 10 s. */
function soakWindow(startSec: number, overrides: Partial<IntervalRecord['metrics']> = {}): IntervalRecord {
  return {
    startMs: startSec * 1000,
    endMs: (startSec + 10) * 1000,
    metrics: {
      histograms: {
        event_rtt_ms: latency(3.24, 8.06),
        'http_req_ms{route=POST /v1/sessions}': latency(9, 20),
      },
      counters: { events_sent: 402, events_acked: 400, events_lost: 2, disconnects: 1 },
      gauges: {
        sessions_active: 20,
        server_rss_bytes: 80.4e6,
        'server_rss_bytes{service=voice-api-1}': 40e6,
        generator_cpu_pct: 12.4,
      },
      rates: { events_lost_rate: 2 / 402 },
      ...overrides,
    },
  };
}

function reporter(isTTY: boolean, options: { quiet?: boolean } = {}) {
  const stream = new FakeStream(isTTY);
  return { stream, report: consoleReporter({ stream, plainProgressEveryMs: 0, ...options }) };
}

describe('console reporter: soak and load windows', () => {
  it('prints a count, not a rate, for a drain window under a second', async () => {
    const { stream, report } = reporter(false);
    await report.onInterval?.('voice-sessions', { ...soakWindow(60), startMs: 60_000, endMs: 60_040 });
    expect(stream.lines).toEqual([
      '  voice-sessions 60–60s · sessions 20 · 400 ev (drain) · p95 3.2 ms · p99 8.1 ms · lost 2 · disc 1 · rss 80 MB · cpu 12%',
    ]);
  });

  it('prints one compact line per window when the stream is not a TTY', async () => {
    const { stream, report } = reporter(false);
    await report.onSuiteStart?.({ name: 'voice-sessions', kind: 'soak' });
    await report.onProgress?.({ suite: 'voice-sessions', elapsedMs: 4_000, totalMs: 60_000, status: 'x' });
    await report.onInterval?.('voice-sessions', soakWindow(0));
    await report.onInterval?.(
      'voice-sessions',
      soakWindow(10, { counters: { events_sent: 400, events_acked: 400 } }),
    );
    expect(stream.lines).toEqual([
      '▶ soak voice-sessions',
      expect.stringMatching(/^ {2}voice-sessions \[#+\.+\] 4s \/ 56s left/),
      '  voice-sessions 0–10s of 60s · sessions 20 · 40 ev/s · p95 3.2 ms · p99 8.1 ms · lost 2 · disc 1 · rss 80 MB · cpu 12%',
      '  voice-sessions 10–20s of 60s · sessions 20 · 40 ev/s · p95 3.2 ms · p99 8.1 ms · lost 0 · disc 0 · rss 80 MB · cpu 12%',
    ]);
  });

  it('stops the plain progress lines of a suite once its windows are printed, so nothing is said twice', async () => {
    const { stream, report } = reporter(false);
    await report.onInterval?.('voice-sessions', soakWindow(0));
    for (const elapsedMs of [11_000, 12_000, 13_000])
      await report.onProgress?.({
        suite: 'voice-sessions',
        elapsedMs,
        totalMs: 60_000,
        status: 'sessions 20',
      });
    await report.onInterval?.('voice-sessions', soakWindow(10));
    expect(stream.lines).toHaveLength(2);
    expect(
      stream.lines.every((l) => l.startsWith('  voice-sessions ') && l.includes(' · sessions 20 · ')),
    ).toBe(true);
    // A suite without windows (contracts) keeps its periodic progress lines.
    await report.onProgress?.({ suite: 'contracts', elapsedMs: 5_000, status: '12/40 operations' });
    expect(stream.lines.at(-1)).toMatch(/^ {2}contracts 5s · .* · 12\/40 operations$/);
  });

  it('leaves out what a window does not have: a load run counting requests, the drain after a soak', async () => {
    const { stream, report } = reporter(false);
    await report.onInterval?.('checkout', {
      startMs: 0,
      endMs: 5_000,
      metrics: {
        histograms: { http_req_ms: latency(120.4, 250.6) },
        counters: { http_reqs: 1_000 },
        gauges: { generator_cpu_pct: 30 },
      },
    });
    expect(stream.lines).toEqual(['  checkout 0–5s · 200 req/s · p95 120 ms · p99 251 ms · cpu 30%']);
    // The drain after a soak: a short window, no events.
    await report.onInterval?.('voice-sessions', {
      startMs: 30_000,
      endMs: 30_420,
      metrics: { histograms: {}, counters: {}, gauges: { sessions_active: 0, server_rss_bytes: 90e6 } },
    });
    expect(stream.lines.at(-1)).toBe('  voice-sessions 30–30.4s · sessions 0 · rss 90 MB');
  });

  it('keeps the live status line on a TTY and prints no window lines there', async () => {
    const { stream, report } = reporter(true);
    await report.onProgress?.({
      suite: 'voice-sessions',
      elapsedMs: 4_000,
      totalMs: 60_000,
      status: 'sessions 20',
    });
    await report.onInterval?.('voice-sessions', soakWindow(0));
    await report.onProgress?.({
      suite: 'voice-sessions',
      elapsedMs: 11_000,
      totalMs: 60_000,
      status: 'sessions 20',
    });
    expect(stream.chunks).toHaveLength(2);
    for (const chunk of stream.chunks) {
      expect(chunk.startsWith('\r\x1b[2K  voice-sessions [')).toBe(true);
      expect(chunk).not.toContain('\n');
    }
  });

  it('prints no window lines when quiet', async () => {
    const { stream, report } = reporter(false, { quiet: true });
    await report.onInterval?.('voice-sessions', soakWindow(0));
    expect(stream.text).toBe('');
  });
});
