import type { LiveStats } from './protocol.ts';
import type { ResourceSample } from './server-resources.ts';

/** Sums the workers' latest live stats; latency takes the worst worker (close enough for a live line). */
export function combineLive(stats: Iterable<LiveStats>): LiveStats {
  const total: LiveStats = {
    active: 0,
    sent: 0,
    acked: 0,
    lost: 0,
    disconnects: 0,
    p95Ms: 0,
    p99Ms: 0,
    cpuPct: 0,
  };
  for (const s of stats) {
    total.active += s.active;
    total.sent += s.sent;
    total.acked += s.acked;
    total.lost += s.lost;
    total.disconnects += s.disconnects;
    total.p95Ms = Math.max(total.p95Ms, s.p95Ms);
    total.p99Ms = Math.max(total.p99Ms, s.p99Ms);
    total.cpuPct = Math.max(total.cpuPct, s.cpuPct);
  }
  return total;
}

/** `sessions 20 · 40 ev/s · p95 3 ms · p99 8 ms · lost 0 · disc 0 · rss 80 MB · cpu 12%` */
export function statusLine(live: LiveStats, eventsPerSec: number, server: ResourceSample | null): string {
  const parts = [
    `sessions ${live.active}`,
    `${Math.round(eventsPerSec)} ev/s`,
    `p95 ${ms(live.p95Ms)}`,
    `p99 ${ms(live.p99Ms)}`,
    `lost ${live.lost}`,
    `disc ${live.disconnects}`,
  ];
  if (server?.rssBytes !== undefined) parts.push(`rss ${Math.round(server.rssBytes / 1_000_000)} MB`);
  parts.push(`cpu ${Math.round(live.cpuPct)}%`);
  return parts.join(' · ');
}

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${Math.round(value * 10) / 10} ms`;
}
