import path from 'node:path';
import { type RecorderOptions, RunRecorder } from '../../src/run/recorder.ts';
import { Redactor } from '../../src/run/redact.ts';

/**
 * A RunRecorder writing to `runDir` for unit tests: a `url` target on a port nothing listens on, no
 * reporters, and a fresh Redactor unless the test gives its own.
 */
export function testRecorder(runDir: string, options: Partial<RecorderOptions> = {}): RunRecorder {
  return new RunRecorder({
    runId: path.basename(runDir),
    runDir,
    command: 'soak',
    profile: 'full',
    shakedownVersion: '0.0.0-test',
    target: { baseUrl: 'http://127.0.0.1:9', stack: 'url' },
    redactor: new Redactor(),
    reporters: [],
    ...options,
  });
}
