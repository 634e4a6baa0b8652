import type { RunSummary } from './model.ts';
import type { Reporter } from './reporter.ts';
import { ReporterMultiplexer } from './reporter.ts';
import { readEvents } from './run-dir.ts';
import { buildSummary } from './summary.ts';

export interface RebuildResult {
  summary: RunSummary;
  /** Lines of events.ndjson that could not be read (a line cut by a kill). */
  skippedLines: number;
  reporterFailures: ReporterMultiplexer['failures'];
}

/**
 * Re-derives every output file from `events.ndjson`. A run that was killed has no `run-end` event:
 * its summary says `incomplete: true` and keeps every check recorded before the kill.
 */
export async function rebuildReport(runDir: string, reporters: readonly Reporter[]): Promise<RebuildResult> {
  const { events, skippedLines } = readEvents(runDir);
  const summary = buildSummary(events);
  const mux = new ReporterMultiplexer(reporters);
  await mux.emit('onRunEnd', summary, runDir);
  return { summary, skippedLines, reporterFailures: mux.failures };
}
