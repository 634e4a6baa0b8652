/** One sample of the Prometheus text exposition format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses Prometheus text (version 0.0.4); comment and malformed lines are skipped, and so are the
 * samples of metrics not in `only` when it is given (a scrape every second reads a handful of a
 * target's hundreds of series).
 */
export function parsePrometheusText(text: string, only?: ReadonlySet<string>): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (only && !only.has(metricName(line))) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: parseValue(match[4]) });
  }
  return samples;
}

/** The metric name a sample line starts with: up to its labels or the space before its value. */
function metricName(line: string): string {
  let end = 0;
  while (end < line.length) {
    const c = line.charCodeAt(end);
    if (c === 123 /* { */ || c === 32 /* space */ || c === 9 /* tab */) break;
    end += 1;
  }
  return line.slice(0, end);
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** The unlabelled sample of `name`, else the sum over its label sets; undefined when absent. */
export function promValue(samples: readonly PromSample[], name: string): number | undefined {
  let sum: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.keys(sample.labels).length === 0) return sample.value;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}
