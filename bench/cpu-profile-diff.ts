/**
 * Where a thread's CPU went in two spans of one run, from a `--cpu-prof` profile (for example the soak
 * bench's, BENCH_CPU_PROF_DIR): busy milliseconds per second in each span, by where the code lives
 * (this repository, node_modules, Node's internals, native frames by name), then the functions whose
 * self time rose most. A cost that rises with the run shows in one place if it is work that grows,
 * everywhere at once if the thread is simply slower.
 *
 *   node bench/cpu-profile-diff.ts CPU.…cpuprofile 130-250 600-720 [rows]
 *
 * Spans are seconds from the profile's start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Span {
  fromSec: number;
  toSec: number;
}

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const [file, firstArg, secondArg, rowsArg] = process.argv.slice(2);
if (!file || !firstArg || !secondArg) {
  process.stderr.write(
    'usage: node bench/cpu-profile-diff.ts <profile.cpuprofile> <from-to> <from-to> [rows]\n',
  );
  process.exit(2);
}
const spans = [firstArg, secondArg].map(parseSpan);
const rows = Number(rowsArg ?? 20);

const profile = readProfile(file);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byFunction = spans.map(() => new Map<string, number>());
const byPlace = spans.map(() => new Map<string, number>());
let at = profile.startTime;
const times = profile.timeDeltas.map((delta) => {
  at += delta;
  return at;
});
for (let i = 0; i + 1 < profile.samples.length; i += 1) {
  const sec = (times[i] - profile.startTime) / 1e6;
  const index = spans.findIndex((s) => sec >= s.fromSec && sec < s.toSec);
  if (index === -1) continue;
  const frame = nodes.get(profile.samples[i])!.callFrame;
  if (frame.functionName === '(idle)') continue;
  const ms = (times[i + 1] - times[i]) / 1000;
  add(byFunction[index], functionKey(frame), ms);
  add(byPlace[index], placeKey(frame), ms);
}

const perSec = (map: Map<string, number>, key: string, span: Span) =>
  (map.get(key) ?? 0) / (span.toSec - span.fromSec);
const label = (s: Span) => `${s.fromSec}-${s.toSec} s`;
const busy = spans.map(
  (s, i) => [...byFunction[i].values()].reduce((a, b) => a + b, 0) / (s.toSec - s.fromSec),
);
process.stdout.write(
  `busy ms per second: ${spans.map((s, i) => `${label(s)} ${busy[i].toFixed(1)}`).join(', ')} (${pct(busy[0], busy[1])})\n\nby where the code lives (ms/s):\n`,
);
printRows(byPlace, Number.POSITIVE_INFINITY, (a, b) => b[2] - a[2]);
process.stdout.write(`\nfunctions whose self time rose most (ms/s):\n`);
printRows(byFunction, rows, (a, b) => b[2] - b[1] - (a[2] - a[1]));

function printRows(
  maps: Map<string, number>[],
  limit: number,
  order: (a: [string, number, number], b: [string, number, number]) => number,
): void {
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  const table = [...keys].map(
    (k) => [k, perSec(maps[0], k, spans[0]), perSec(maps[1], k, spans[1])] as [string, number, number],
  );
  for (const [key, first, second] of table.sort(order).slice(0, limit))
    process.stdout.write(
      `${first.toFixed(2).padStart(8)} ${second.toFixed(2).padStart(8)} ${pct(first, second).padStart(7)}  ${key}\n`,
    );
}

function functionKey(frame: ProfileNode['callFrame']): string {
  const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : 'native';
  return `${frame.functionName || '(anonymous)'} ${where}`;
}

function placeKey(frame: ProfileNode['callFrame']): string {
  const { url } = frame;
  if (!url) return `native ${frame.functionName}`;
  if (url.includes('/node_modules/')) return 'node_modules';
  if (url.startsWith('node:')) return "Node's internals";
  if (url.startsWith('file://') && fileURLToPath(url).startsWith(ROOT)) return 'this repository';
  return 'other scripts';
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function pct(first: number, second: number): string {
  if (first === 0) return second === 0 ? '0%' : 'new';
  const change = ((second - first) / first) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(0)}%`;
}

function parseSpan(text: string): Span {
  const [fromSec, toSec] = text.split('-').map(Number);
  if (!Number.isFinite(fromSec) || !Number.isFinite(toSec) || toSec <= fromSec) {
    process.stderr.write(`not a span of seconds: ${text} (write it as from-to, e.g. 130-250)\n`);
    process.exit(2);
  }
  return { fromSec, toSec };
}

function readProfile(file: string): Profile {
  try {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    if (Array.isArray(profile.samples) && Array.isArray(profile.timeDeltas)) return profile;
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${file} is not a --cpu-prof profile (no samples and timeDeltas)\n`);
  process.exit(2);
}
