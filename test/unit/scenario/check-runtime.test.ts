import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/http/client.ts';
import type { RunEvent } from '../../../src/run/model.ts';
import type { RunRecorder, SuiteRecorder } from '../../../src/run/recorder.ts';
import { Redactor } from '../../../src/run/redact.ts';
import { createRunDir } from '../../../src/run/run-dir.ts';
import { healthLiveCheck } from '../../../src/scenario/builtin/hardening/health.ts';
import { runCheck } from '../../../src/scenario/check.ts';
import type { CheckBody } from '../../../src/scenario/define.ts';
import { tempDir } from '../../helpers/cli.ts';
import { testRecorder } from '../../helpers/recorder.ts';

// ctx.check as the scenario engine wires it: a real recorder writing events.ndjson, a real client
// (never called: the bodies here judge nothing on the network).
const open: RunRecorder[] = [];
afterEach(async () => {
  for (const recorder of open.splice(0)) await recorder.finish();
});

async function suite(): Promise<{ suite: SuiteRecorder; http: HttpClient; runDir: string }> {
  const redactor = new Redactor();
  const runDir = createRunDir(tempDir('shakedown-check-runtime-'));
  const recorder = testRecorder(runDir, { command: 'scenarios', redactor });
  open.push(recorder);
  await recorder.start();
  return {
    suite: await recorder.suite('custom', 'scenario'),
    http: new HttpClient({ baseUrl: 'http://127.0.0.1:9', redactor }),
    runDir,
  };
}

const passing: CheckBody = async (c) => c.pass('fine', { note: 'kept' });
const throwing: CheckBody = async () => {
  throw new Error('boom');
};
const hanging: CheckBody = () => new Promise(() => {});

describe('ctx.check: a declared check or a free id, one time bound, a throw is a fail', () => {
  it('records a declared check under its id and title, or the title that names the subject', async () => {
    const { suite: s, http } = await suite();
    const declared = await runCheck(s, http, 1_000, [healthLiveCheck, passing]);
    expect(declared).toMatchObject({
      id: healthLiveCheck.id,
      title: healthLiveCheck.title,
      verdict: 'pass',
      message: 'fine',
      evidence: { note: 'kept' },
    });
    expect(declared.durationMs).toBeGreaterThanOrEqual(0);
    const titled = await runCheck(s, http, 1_000, [healthLiveCheck, passing, { title: '/health answers' }]);
    expect(titled).toMatchObject({ id: healthLiveCheck.id, title: '/health answers', verdict: 'pass' });
  });

  it("keeps users' free ids and titles exactly as given", async () => {
    const { suite: s, http, runDir } = await suite();
    const result = await runCheck(s, http, 1_000, ['orders.idempotent', 'POST /orders twice', passing]);
    expect(result).toMatchObject({ id: 'orders.idempotent', title: 'POST /orders twice', verdict: 'pass' });
    const events = readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.filter((e) => e.type === 'check').map((e) => e.type === 'check' && e.result.id)).toEqual([
      'orders.idempotent',
    ]);
  });

  it('records a body that throws as a fail with the reason, in both forms', async () => {
    const { suite: s, http } = await suite();
    for (const call of [
      [healthLiveCheck, throwing],
      ['orders.idempotent', 'POST /orders twice', throwing],
    ] as const) {
      const result = await runCheck(s, http, 1_000, [...call]);
      expect(result).toMatchObject({ verdict: 'fail', message: 'check aborted: boom' });
      expect(result.id).toBe(typeof call[0] === 'string' ? call[0] : call[0].id);
    }
  });

  it('records a body that never settles as a fail once the bound has passed, in both forms', async () => {
    const { suite: s, http } = await suite();
    for (const call of [
      [healthLiveCheck, hanging],
      ['orders.idempotent', 'POST /orders twice', hanging],
    ] as const) {
      const result = await runCheck(s, http, 30, [...call]);
      expect(result).toMatchObject({
        verdict: 'fail',
        message: 'check aborted: check did not finish within 0.03 s',
      });
    }
  });
});
