import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import type { EngineContext } from '../../../src/engine-context.ts';
import { Redactor } from '../../../src/run/redact.ts';
import { createRunDir } from '../../../src/run/run-dir.ts';
import { scenarioNotRunCheck, scenariosEngine } from '../../../src/scenario/engine.ts';
import { tempDir } from '../../helpers/cli.ts';
import { testRecorder } from '../../helpers/recorder.ts';

// A scenario the run never reaches (Ctrl-C, or the target lost before it) still shows, skipped with
// the reason. The engine runs on a real recorder and real scenario files; only the stack is absent,
// since neither scenario may touch it.
async function runStopped(stop: 'interrupted' | 'target-lost') {
  const root = tempDir('shakedown-not-run-');
  mkdirSync(path.join(root, 'scenarios'));
  for (const name of ['first', 'second'])
    writeFileSync(
      path.join(root, 'scenarios', `${name}.scenario.ts`),
      "export default { run: async () => { throw new Error('must not run'); } };\n",
    );
  const runDir = createRunDir(path.join(root, 'reports'));
  const redactor = new Redactor();
  const recorder = testRecorder(runDir, { command: 'scenarios', redactor });
  await recorder.start();
  const stopped = new AbortController();
  stopped.abort();
  const ctx = {
    config: configSchema.parse({ scenarios: { dir: 'scenarios' } }),
    rootDir: root,
    runDir,
    recorder,
    redactor,
    stack: { baseUrl: 'http://127.0.0.1:9' },
    signal: stop === 'interrupted' ? stopped.signal : new AbortController().signal,
    targetLost: stop === 'target-lost' ? stopped.signal : new AbortController().signal,
    options: {},
  } as unknown as EngineContext;
  await scenariosEngine(ctx);
  return recorder.finish();
}

describe('scenario.not-run', () => {
  it.each([
    ['interrupted', 'interrupted before it started'],
    ['target-lost', 'not run: the target was lost before it started'],
  ] as const)(
    'records each scenario the run never reached (%s) as skipped, with the reason',
    async (stop, reason) => {
      const summary = await runStopped(stop);
      expect(summary.suites.map((s) => [s.name, s.checks])).toEqual([
        [
          'first',
          [{ id: scenarioNotRunCheck.id, title: 'first: scenario ran', verdict: 'skip', message: reason }],
        ],
        [
          'second',
          [{ id: scenarioNotRunCheck.id, title: 'second: scenario ran', verdict: 'skip', message: reason }],
        ],
      ]);
    },
  );
});
