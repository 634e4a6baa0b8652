const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * k6-style durations: `90` (seconds), `90s`, `15m`, `1h`, `1m30s`, `500ms`. Returns seconds, or null
 * when the text is not a positive duration.
 */
export function parseDurationSec(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n > 0 ? n : null;
  }
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return null;
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_SEC[p[2] as string] ?? 0), 0);
  return total > 0 ? Math.round(total * 1000) / 1000 : null;
}
