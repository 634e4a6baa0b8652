import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `stack.pids` in a run directory lists the process groups this harness started (target, private
 * redis-server) while they run. The watchdog beside each group kills it when the harness dies; the pid
 * file is the second line of defence: `stack down` and the next run kill whatever a crashed harness
 * (or a machine too busy to run the watchdog) left behind.
 */
export const PID_FILE = 'stack.pids';

interface PidEntry {
  label: string;
  /** The group leader's PID, which is also the process group id (children are spawned detached). */
  pid: number;
  /** The kernel's start time of that process (Linux), so a recycled PID is never killed. */
  startTicks?: string;
}

interface PidFileContent {
  harnessPid: number;
  processes: PidEntry[];
}

const owned = new Map<string, PidEntry[]>();

export function recordPid(file: string, label: string, pid: number): void {
  const entries = owned.get(file) ?? [];
  entries.push({ label, pid, startTicks: startTicks(pid) });
  owned.set(file, entries);
  write(file, entries);
}

export function forgetPid(file: string, pid: number): void {
  const entries = (owned.get(file) ?? []).filter((e) => e.pid !== pid);
  if (entries.length > 0) {
    owned.set(file, entries);
    write(file, entries);
    return;
  }
  owned.delete(file);
  rmSync(file, { force: true });
}

/**
 * Kills the process groups listed in `stack.pids` files under `outDir` (its run directories and
 * `stack/`) whose harness is gone. Returns one line per group killed, for the user.
 */
export function reapOrphans(outDir: string): string[] {
  if (!existsSync(outDir)) return [];
  const reaped: string[] = [];
  const dirs = readdirSync(outDir, { withFileTypes: true }).filter((d) => d.isDirectory());
  for (const dir of dirs) {
    const file = path.join(outDir, dir.name, PID_FILE);
    if (!existsSync(file) || owned.has(file)) continue;
    let content: PidFileContent;
    try {
      content = JSON.parse(readFileSync(file, 'utf8')) as PidFileContent;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (content.harnessPid !== process.pid && alive(content.harnessPid)) continue;
    for (const entry of content.processes) {
      if (!alive(entry.pid) || (entry.startTicks && startTicks(entry.pid) !== entry.startTicks)) continue;
      try {
        process.kill(-entry.pid, 'SIGKILL');
        reaped.push(`${entry.label} (pid ${entry.pid}) left by an earlier run in ${path.dirname(file)}`);
      } catch {
        // Gone in the meantime.
      }
    }
    rmSync(file, { force: true });
  }
  return reaped;
}

function write(file: string, processes: PidEntry[]): void {
  const content: PidFileContent = { harnessPid: process.pid, processes };
  try {
    writeFileSync(file, `${JSON.stringify(content)}\n`);
  } catch {
    // The run directory is gone (a test cleaned it up): the watchdog still covers the group.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
