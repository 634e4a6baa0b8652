import type { AuthConfig } from '../config/schema.ts';
import type { ThresholdEntry } from '../metrics/threshold-set.ts';
import { parseThreshold } from '../metrics/thresholds.ts';

/** Environment variables the exported scripts read; nothing secret is ever written into them. */
export const K6_ENV = {
  baseUrl: 'SHAKEDOWN_BASE_URL',
  socketUrl: 'SHAKEDOWN_SOCKET_URL',
  token: 'SHAKEDOWN_TOKEN',
  authHeader: 'SHAKEDOWN_AUTH_HEADER',
} as const;

/** Shakedown metric names that k6 calls otherwise. */
const K6_NAMES: Record<string, string> = { dropped_requests: 'dropped_iterations' };

/** A URL without credentials or a trailing slash: safe to write into a script as a default. */
export function publicUrl(url: string | undefined): string {
  if (!url) return '';
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/+$/, '');
}

/**
 * The preamble every exported script starts with: the target's URLs from the environment (with the
 * config's as defaults) and the credentials, which only ever come from the environment.
 */
export function targetPreamble(auth: AuthConfig | undefined, baseUrl: string | undefined): string {
  const lines = [
    `const BASE_URL = (__ENV.${K6_ENV.baseUrl} || ${JSON.stringify(publicUrl(baseUrl))}).replace(/\\/+$/, '');`,
    'if (!BASE_URL) {',
    `  throw new Error('set ${K6_ENV.baseUrl} to the target, e.g. k6 run -e ${K6_ENV.baseUrl}=http://127.0.0.1:3000 <script>');`,
    '}',
  ];
  if (!auth) {
    lines.push('const AUTH_HEADERS: Record<string, string> = {};');
    return lines.join('\n');
  }
  const variable = auth.type === 'bearer' ? K6_ENV.token : K6_ENV.authHeader;
  const header = auth.type === 'bearer' ? 'Authorization' : auth.name;
  const value = auth.type === 'bearer' ? `\`Bearer \${__ENV.${variable}}\`` : `__ENV.${variable}`;
  lines.push(
    `if (!__ENV.${variable}) {`,
    `  throw new Error('set ${variable}: the target needs credentials (k6 run -e ${variable}=... or a Kubernetes Secret)');`,
    '}',
    `const AUTH_HEADERS: Record<string, string> = { ${JSON.stringify(header)}: ${value} };`,
  );
  return lines.join('\n');
}

export interface K6Thresholds {
  /** `options.thresholds`, in k6's syntax. */
  thresholds: Record<
    string,
    (string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string })[]
  >;
  /** Comment lines for what k6 cannot judge: window thresholds, metrics the script does not have. */
  notes: string[];
}

/** Splits `http_req_duration{route:GET /x}` into its metric name and selector. */
export function metricBase(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

/**
 * Thresholds as k6 writes them. A window threshold (`p(99)<1000 over 60s`) has no k6 form: it becomes
 * a comment and is judged by `shakedown k6 import`; so is a threshold on a metric this script does not
 * record (k6 refuses thresholds on unknown metrics).
 */
export function toK6Thresholds(
  entries: Readonly<Record<string, readonly ThresholdEntry[]>>,
  known: ReadonlySet<string>,
): K6Thresholds {
  const out: K6Thresholds = { thresholds: {}, notes: [] };
  for (const [key, list] of Object.entries(entries)) {
    const base = metricBase(key);
    const k6Key = (K6_NAMES[base] ?? base) + key.slice(base.length);
    for (const entry of list) {
      const source = typeof entry === 'string' ? entry : entry.threshold;
      if (!known.has(base)) {
        out.notes.push(
          `${key}: ${source} (not recorded by this script; judged by shakedown when it has the metric)`,
        );
        continue;
      }
      if (parseThreshold(source).overSec !== undefined) {
        out.notes.push(
          `${key}: ${source} (a window threshold: k6 cannot express it; judged by shakedown k6 import)`,
        );
        continue;
      }
      const list6 = out.thresholds[k6Key] ?? [];
      if (typeof entry === 'object' && entry.abortOnFail) {
        list6.push({
          threshold: source,
          abortOnFail: true,
          ...(entry.delayAbortSec ? { delayAbortEval: `${entry.delayAbortSec}s` } : {}),
        });
      } else list6.push(source);
      out.thresholds[k6Key] = list6;
    }
  }
  return out;
}

export function thresholdNotes(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return `// Thresholds shakedown judges from the results (shakedown k6 import), not k6:\n${notes.map((n) => `//   ${n}`).join('\n')}\n`;
}

/** A value as TypeScript source, two-space indented at `indent`. */
export function literal(value: unknown, indent = 0): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${' '.repeat(indent)}`);
}
