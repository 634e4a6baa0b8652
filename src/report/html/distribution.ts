import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { HistogramSummary } from '../../run/model.ts';

/** A histogram for drawing: `counts[i]` values fell in (`upperBounds[i-1]`, `upperBounds[i]`]. */
export interface Distribution {
  upperBounds: number[];
  counts: number[];
  total: number;
}

const BUCKETS = 24;
const SCALES = [1, 1e-3, 1e-6, 1e3];

/**
 * Merges the recorded HDR histograms (base64, as engines store them) and re-buckets them into a
 * couple of dozen bars. Engines may record in µs and report in ms, so the scale is taken from the
 * summary the histogram came with. Returns null when nothing decodes.
 */
export function distributionOf(
  encoded: readonly string[],
  reference?: HistogramSummary,
): Distribution | null {
  let merged: Histogram | null = null;
  for (const b64 of encoded) {
    const next = decode(b64);
    if (!next) continue;
    if (merged) {
      merged.add(next);
      next.destroy();
    } else merged = next;
  }
  if (!merged || merged.totalCount === 0) return null;
  const scale = scaleTo(merged.maxValue, reference?.max);
  const points = recordedValues(merged).map(([value, count]) => [value * scale, count] as const);
  merged.destroy();
  return bucket(points);
}

function decode(b64: string): Histogram | null {
  try {
    return decodeFromCompressedBase64(b64, 32, false);
  } catch {
    return null;
  }
}

function scaleTo(recordedMax: number, reportedMax: number | undefined): number {
  if (!reportedMax || !recordedMax) return 1;
  const ratio = Math.log10(reportedMax / recordedMax);
  return SCALES.reduce((best, s) =>
    Math.abs(Math.log10(s) - ratio) < Math.abs(Math.log10(best) - ratio) ? s : best,
  );
}

interface ValueIterator {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}

function recordedValues(histogram: Histogram): [number, number][] {
  // The JS implementation exposes its iterator; the typings only declare the common interface.
  const it = (histogram as unknown as { recordedValuesIterator: ValueIterator }).recordedValuesIterator;
  it.reset();
  const out: [number, number][] = [];
  while (it.hasNext()) {
    const v = it.next();
    out.push([v.valueIteratedTo, v.countAtValueIteratedTo]);
  }
  return out;
}

/** Log-spaced bars when the values span more than a decade (latency usually does), linear otherwise. */
function bucket(points: readonly (readonly [number, number])[]): Distribution {
  const min = points[0][0];
  const max = points[points.length - 1][0];
  const log = min > 0 && max / min > 10;
  const upperBounds: number[] = [];
  for (let i = 1; i <= BUCKETS; i += 1) {
    const f = i / BUCKETS;
    upperBounds.push(log ? min * (max / min) ** f : min + (max - min) * f);
  }
  const counts = new Array<number>(BUCKETS).fill(0);
  let total = 0;
  let b = 0;
  for (const [value, count] of points) {
    while (b < BUCKETS - 1 && value > upperBounds[b] * (1 + 1e-9)) b += 1;
    counts[b] += count;
    total += count;
  }
  return { upperBounds: upperBounds.map((v) => Number(v.toPrecision(4))), counts, total };
}
