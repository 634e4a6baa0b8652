import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { ShakedownError } from '../errors.ts';
import type { RunEvent } from './model.ts';
import type { Redactor } from './redact.ts';

export const EVENTS_FILE = 'events.ndjson';

/** `2026-11-23T18-10-06Z-3fa9c1`: sorts by time, safe in file names on every OS. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function createRunDir(outDir: string, runId = newRunId()): string {
  const runDir = path.resolve(outDir, runId);
  mkdirSync(runDir, { recursive: true });
  pointLatestAt(path.resolve(outDir), runId);
  return runDir;
}

/** `latest` is a symlink where the file system allows one, else a file holding the run id. */
function pointLatestAt(outDir: string, runId: string): void {
  const latest = path.join(outDir, 'latest');
  rmSync(latest, { force: true, recursive: false });
  try {
    symlinkSync(runId, latest, 'dir');
  } catch {
    writeFileSync(latest, `${runId}\n`);
  }
}

/**
 * Appends one JSON line per event with a synchronous write, so each event is in the kernel's hands
 * before the engine moves on: a SIGKILL loses nothing already recorded.
 */
export class EventLog {
  readonly file: string;
  readonly #fd: number;
  readonly #redactor: Redactor;
  #closed = false;

  constructor(runDir: string, redactor: Redactor) {
    this.file = path.join(runDir, EVENTS_FILE);
    this.#fd = openSync(this.file, 'a');
    this.#redactor = redactor;
  }

  append(event: RunEvent): RunEvent {
    const safe = this.#redactor.value(event);
    if (!this.#closed) writeSync(this.#fd, `${JSON.stringify(safe)}\n`);
    return safe;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

export interface ReadEventsResult {
  events: RunEvent[];
  /** Lines that could not be parsed: a line cut mid-way by a kill is expected at the end. */
  skippedLines: number;
}

export function readEvents(runDir: string): ReadEventsResult {
  const file = path.join(runDir, EVENTS_FILE);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new ShakedownError(
      'SHK_RUN_DIR_INVALID',
      `${runDir} is not a run directory. Pass a folder under reports/, e.g. reports/latest.`,
    );
  }
  if (!existsSync(file)) {
    throw new ShakedownError(
      'SHK_RUN_DIR_INVALID',
      `${file} does not exist: ${runDir} is not a Shakedown run directory.`,
    );
  }
  const events: RunEvent[] = [];
  let skippedLines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      skippedLines += 1;
    }
  }
  if (!events.some((e) => e.type === 'run-start')) {
    throw new ShakedownError('SHK_RUN_DIR_INVALID', `${file} has no run-start event; it cannot be rebuilt.`);
  }
  return { events, skippedLines };
}
