/**
 * Redaction happens where data leaves the process (the event log, console lines, the target's log),
 * not where it is produced, so an engine cannot forget it. Two rules: headers and fields with a
 * sensitive name lose their value, and any known secret value is replaced wherever it appears,
 * including inside longer strings (a token inside a curl line or a body excerpt).
 */

export const REDACTED = '<redacted>';

const ALWAYS_SENSITIVE_NAMES = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'stripe-signature',
  'webhook-signature',
  'x-hub-signature-256',
  'x-slack-signature',
];

/** Secrets shorter than this are not searched for inside strings: replacing "a" everywhere helps nobody. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  readonly #names = new Set(ALWAYS_SENSITIVE_NAMES);
  readonly #values = new Set<string>();
  #pattern: RegExp | null = null;

  constructor(options: { names?: Iterable<string>; values?: Iterable<string> } = {}) {
    for (const name of options.names ?? []) this.addName(name);
    for (const value of options.values ?? []) this.addSecret(value);
  }

  addName(name: string): void {
    this.#names.add(name.toLowerCase());
  }

  /** Registers a secret value (a token minted during the run, a webhook secret) and its common encodings. */
  addSecret(value: string | undefined | null): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.#values.has(value)) return;
    this.#values.add(value);
    this.#values.add(encodeURIComponent(value));
    this.#values.add(Buffer.from(value).toString('base64'));
    this.#pattern = null;
  }

  isSensitiveName(name: string): boolean {
    return this.#names.has(name.toLowerCase());
  }

  text(input: string): string {
    const pattern = this.#secretPattern();
    return pattern ? input.replace(pattern, REDACTED) : input;
  }

  /** A deep copy of `value` with sensitive fields and secret values replaced. */
  value<T>(value: T): T {
    return this.#walk(value) as T;
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.#walk(item));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] =
          this.isSensitiveName(key) && item !== undefined && item !== null ? REDACTED : this.#walk(item);
      }
      return out;
    }
    return value;
  }

  #secretPattern(): RegExp | null {
    if (this.#values.size === 0) return null;
    if (!this.#pattern) {
      // Longest first so a secret that contains another is replaced whole.
      const alternatives = [...this.#values]
        .filter((v) => v.length >= MIN_SECRET_LENGTH)
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.#pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return this.#pattern;
  }
}
