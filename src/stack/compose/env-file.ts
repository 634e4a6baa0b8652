import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ShakedownError } from '../../errors.ts';

export interface RunEnvFile {
  readonly path: string;
  remove(): void;
}

// Values compose reads literally without quotes; anything else is single-quoted (no escapes inside).
const PLAIN = /^[A-Za-z0-9_+/=.:@%-]*$/;

/** `NAME=value` lines as compose's env_file reads them; refuses values it cannot carry. */
export function formatEnvFile(values: Readonly<Record<string, string>>): string {
  const lines = Object.entries(values).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /[\n\r']/.test(value)) {
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        `secrets.${name}: cannot be passed to the compose stack (names must be environment variable names, values may not contain newlines or single quotes).`,
      );
    }
    return `${name}=${PLAIN.test(value) ? value : `'${value}'`}`;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The run's secrets in a private file (mode 0600 in a fresh temp directory, never in the run directory,
 * which CI uploads), for the compose file's `env_file`. Removed when the stack stops.
 */
export function writeRunEnvFile(values: Readonly<Record<string, string>>): RunEnvFile {
  const dir = mkdtempSync(path.join(tmpdir(), 'shakedown-secrets-'));
  const file = path.join(dir, 'run.env');
  writeFileSync(file, formatEnvFile(values), { mode: 0o600 });
  return { path: file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
