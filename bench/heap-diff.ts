/**
 * What grew between two V8 heap snapshots (for example the soak bench's, BENCH_HEAP_SNAPSHOT_SEC):
 * objects counted and their self sizes summed by type and constructor name, largest growth first.
 *
 *   node bench/heap-diff.ts early.heapsnapshot late.heapsnapshot [rows]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Tally {
  count: number;
  bytes: number;
}

function tally(file: string): Map<string, Tally> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byName = new Map<string, Tally>();
  for (let i = 0; i < heap.nodes.length; i += stride) {
    const type = types[heap.nodes[i + typeAt]];
    // Strings and numbers are named by their contents: group them by type alone.
    const named = type === 'object' || type === 'closure' || type === 'array' || type === 'native';
    const key = named ? `${type} ${heap.strings[heap.nodes[i + nameAt]].slice(0, 60)}` : type;
    const entry = byName.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += heap.nodes[i + sizeAt];
    byName.set(key, entry);
  }
  return byName;
}

const [earlyFile, lateFile, rowsArg] = process.argv.slice(2);
if (!earlyFile || !lateFile) {
  process.stderr.write('usage: node bench/heap-diff.ts early.heapsnapshot late.heapsnapshot [rows]\n');
  process.exit(2);
}
const early = tally(earlyFile);
const late = tally(lateFile);
const rows = [...new Set([...early.keys(), ...late.keys()])].map((key) => {
  const a = early.get(key) ?? { count: 0, bytes: 0 };
  const b = late.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: b.count - a.count, bytes: b.bytes - a.bytes, lateCount: b.count };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = (t: Map<string, Tally>) => [...t.values()].reduce((n, v) => n + v.bytes, 0);
process.stdout.write(
  `self size ${(total(early) / 1024 ** 2).toFixed(1)} → ${(total(late) / 1024 ** 2).toFixed(1)} MiB\n`,
);
for (const row of rows.slice(0, Number(rowsArg ?? 25))) {
  process.stdout.write(
    `${`${row.bytes >= 0 ? '+' : ''}${(row.bytes / 1024).toFixed(0)} KiB`.padStart(12)}  ${`${row.count >= 0 ? '+' : ''}${row.count}`.padStart(9)} objects (${row.lateCount} now)  ${row.key}\n`,
  );
}
