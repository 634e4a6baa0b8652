import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintToken, nowSec, startInProcess } from '../../examples/voice-api/test/helpers.ts';
import { type LoadedConfig, loadConfig } from '../../src/config/resolve.ts';
import { exportK6 } from '../../src/k6/export.ts';
import type { RunSummary } from '../../src/run/model.ts';
import { REPO_ROOT, runCli, tempDir, writeConfig } from '../helpers/cli.ts';
import { importK6Script, setK6Env, writeK6Json } from '../helpers/k6-node.ts';
import { k6Samples } from '../helpers/k6-shim.ts';

const ITERATIONS = 40;

describe('export → run → import', () => {
  it('the exported load.ts, run against the reference target, imports into a run judged by the config', async () => {
    const reference = await loadConfig({}, {}, REPO_ROOT);
    const load = {
      ...reference.config.load,
      routes: [
        { method: 'GET', path: '/livez', headers: {}, weight: 3 },
        { method: 'GET', path: '/readyz', headers: {}, weight: 1 },
      ],
    };
    const dir = tempDir('shakedown-k6-pipeline-');
    await exportK6({ ...reference, config: { ...reference.config, load } } as LoadedConfig, {
      outDir: dir,
      parallelism: 1,
    });

    const { url, env } = await startInProcess();
    setK6Env({
      SHAKEDOWN_BASE_URL: url,
      SHAKEDOWN_TOKEN: await mintToken(env.JWT_SECRET!, { sub: 'k6', expSec: nowSec() + 600 }),
    });
    const samples = k6Samples();
    samples.length = 0;
    const iteration = (await importK6Script(path.join(dir, 'load.ts'))).default;
    for (let i = 0; i < ITERATIONS; i++) await iteration();
    const results = path.join(dir, 'load.ndjson');
    writeK6Json(results, samples);

    const cwd = tempDir('shakedown-k6-pipeline-run-');
    writeConfig(
      cwd,
      `export default { thresholds: { http_reqs: ['count==${ITERATIONS}'], http_req_failed: ['rate==0'] } };\n`,
    );
    const run = await runCli(['k6', 'import', results, '--reporter', 'json'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const runDir = /imported into (\S+)/.exec(run.stdout)![1];
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    const counters = summary.suites[0].metrics!.counters;
    expect(counters.http_reqs).toBe(ITERATIONS);
    // The script tags each request with its route; the import breaks the run down by it.
    expect(counters['http_reqs{route=GET /livez}']).toBeGreaterThan(0);
    expect(counters['http_reqs{route=GET /readyz}']).toBeGreaterThan(0);
    expect(counters['http_reqs{route=GET /livez}'] + counters['http_reqs{route=GET /readyz}']).toBe(
      ITERATIONS,
    );
    const thresholds = summary.suites[0].checks.filter((c) => c.id === 'load.thresholds');
    expect(thresholds.map((c) => [c.title, c.verdict])).toEqual([
      [`http_reqs: count==${ITERATIONS}`, 'pass'],
      ['http_req_failed: rate==0', 'pass'],
    ]);
  }, 60_000);
});
