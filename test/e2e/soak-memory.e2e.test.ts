import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  tempDir,
  writeConfig,
} from '../helpers/cli.ts';

/**
 * soak.memory-leak on a small Node service whose memory behaves honestly (memory-service.ts): memory
 * that grows while a bounded cache warms and then levels off passes; a modest sustained leak
 * (~21 MiB/min) fails. Both runs use the default leak bounds and last 60 s: 12 s of warm-up, then 4 s
 * windows so that each third of the steady state has enough heap floors to fit.
 */
const SERVICE = path.join(REPO_ROOT, 'test/fixtures/soak/memory-service.ts');
const SCRIPT = path.join(REPO_ROOT, 'test/fixtures/soak/memory.soak.ts');

async function soakMemoryService(mode: 'plateau' | 'leak') {
  const dir = tempDir('shakedown-soak-memory-');
  writeConfig(
    dir,
    `export default {
  target: {},
  stack: { kind: 'local', command: ['node', ${JSON.stringify(SERVICE)}], env: { MEMORY_MODE: '${mode}' } },
  soak: {
    script: ${JSON.stringify(SCRIPT)},
    durationSec: 60, warmupSec: 12, rampUpSec: 2, windowSec: 4, sessions: 5, eventsPerSec: 5,
    sessionLifetimeSec: 8, generator: { maxEventLoopP99Ms: 400, maxOverloadedWindowsPct: 50 },
  },
  reporters: ['json'],
};
`,
  );
  const result = await runCli(['soak', '--quiet'], { cwd: dir, timeoutMs: 150_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  const [leak] = checksWithId(summary, 'soak.memory-leak');
  return { ...result, leak, explain: `${leak?.verdict}: ${leak?.message}\n${result.stderr}` };
}

describe('soak.memory-leak on a service that settles and on one that leaks', () => {
  it('passes memory that grows while a bounded cache warms, then plateaus', async () => {
    const run = await soakMemoryService('plateau');
    expect(run.leak.verdict, run.explain).toBe('pass');
    expect(run.leak.message).toContain('RSS (the target exposes no heap metric)');
    expect(run.leak.evidence).toMatchObject({ source: 'prometheus', judged: 'rss', rss: { leaking: true } });
  }, 150_000);

  it('fails a modest sustained leak', async () => {
    const run = await soakMemoryService('leak');
    expect(run.leak.verdict, run.explain).toBe('fail');
    const rss = run.leak.evidence?.rss as { slopeBytesPerMin: number; verdict: string };
    expect(rss.verdict).toBe('fail');
    expect(rss.slopeBytesPerMin / 1024 / 1024).toBeLessThan(40);
    expect(run.leak.message).toContain('keeps growing');
  }, 150_000);
});
