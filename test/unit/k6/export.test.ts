import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type LoadedConfig, loadConfig } from '../../../src/config/resolve.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { exportK6 } from '../../../src/k6/export.ts';
import { REPO_ROOT, tempDir } from '../../helpers/cli.ts';

const run = promisify(execFile);
const GOLDEN = path.join(REPO_ROOT, 'test/fixtures/k6/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** A small load section on top of the repo's reference config (the load engine's documented shape). */
const SMALL_LOAD = {
  enabled: true,
  durationSec: 60,
  connections: 10,
  pipelining: 1,
  stages: [
    { durationSec: 20, ratePerSec: 50 },
    { durationSec: 40, ratePerSec: 120 },
  ],
  maxInFlight: 500,
  maxConnections: 100,
  validate: 100,
  windowSec: 5,
  warmupSec: 0,
  workers: 1,
  thresholds: {
    'http_req_duration{route:GET /v1/sessions/{id}}': ['p(95)<200'],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortSec: 10 }],
    dropped_requests: ['count<1'],
    http_req_duration: ['p(99)<800 over 10s'],
  },
  routes: [
    {
      name: 'create session',
      method: 'POST',
      path: '/v1/sessions',
      body: { language: 'en' },
      headers: {},
      weight: 1,
    },
    { method: 'GET', path: '/v1/sessions/{id}', params: { id: 'sess-1' }, headers: {}, weight: 3 },
    { method: 'GET', path: '/livez', headers: { 'x-probe': 'k6' }, weight: 1 },
  ],
};

let reference: LoadedConfig;
let dir: string;
let files: string[];

beforeAll(async () => {
  reference = await loadConfig({}, {}, REPO_ROOT);
  const loaded = {
    ...reference,
    config: { ...reference.config, load: SMALL_LOAD },
  } as unknown as LoadedConfig;
  dir = tempDir('shakedown-k6-export-');
  files = (await exportK6(loaded, { outDir: dir, parallelism: 6 })).files;
}, 60_000);

/** The manifest with each bundled script replaced by its name: the bundles are esbuild's output, not ours. */
function manifestShape(text: string): string {
  return parseAllDocuments(text)
    .map((doc) => {
      const value = doc.toJS() as { kind: string; data?: Record<string, string> };
      if (value.data) for (const key of Object.keys(value.data)) value.data[key] = `<bundle of ${key}>`;
      return JSON.stringify(value, null, 2);
    })
    .join('\n---\n');
}

describe('shakedown k6 export', () => {
  it('writes the scripts, the adapter, the validators, their bundles, the manifest and a README', () => {
    expect(files).toEqual([
      'README.md',
      'contracts.js',
      'contracts.ts',
      'k6-testrun.yaml',
      'load.js',
      'load.ts',
      'soak.js',
      'soak.ts',
      'socketio.ts',
      'tsconfig.json',
      'validators.d.ts',
      'validators.js',
    ]);
  });

  it.each(['load.ts', 'contracts.ts', 'soak.ts', 'README.md', 'k6-testrun.yaml'])(
    '%s matches its golden file',
    (file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const actual = file === 'k6-testrun.yaml' ? manifestShape(text) : text;
      // `.golden`: neither tsc nor Biome looks at generated k6 code.
      const golden = path.join(
        GOLDEN,
        `${file === 'k6-testrun.yaml' ? 'k6-testrun.shape.json' : file}.golden`,
      );
      if (UPDATE || !existsSync(golden)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(golden, actual);
      }
      expect(actual).toBe(readFileSync(golden, 'utf8'));
    },
  );

  it('translates the load section into k6 scenarios and thresholds, window thresholds as comments', () => {
    const load = readFileSync(path.join(dir, 'load.ts'), 'utf8');
    expect(load).toContain('"executor": "ramping-arrival-rate"');
    expect(load).toContain('"target": 120');
    expect(load).toContain('"http_req_duration{route:GET /v1/sessions/{id}}": [\n      "p(95)<200"');
    expect(load).toContain('"dropped_iterations": [');
    expect(load).toContain('"delayAbortEval": "10s"');
    expect(load).toContain('//   http_req_duration: p(99)<800 over 10s (a window threshold');
    expect(load).toContain('"path": "/v1/sessions/sess-1"');
    const soak = readFileSync(path.join(dir, 'soak.ts'), 'utf8');
    // The repo soak script's window threshold cannot be a k6 threshold either.
    expect(soak).toContain('//   event_rtt_ms: p(99)<1000 over 60s (a window threshold');
    expect(soak).toMatch(/"event_rtt_ms": \[\s+"p\(95\)<150",\s+"p\(99\)<400"\s+\]/);
  });

  it('type-checks every script with tsc against @types/k6', async () => {
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')]).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    expect(result.stdout).toBe('');
  }, 120_000);

  it('bundles each script into plain JavaScript that only imports k6 modules', () => {
    for (const bundle of ['load.js', 'contracts.js', 'soak.js']) {
      const text = readFileSync(path.join(dir, bundle), 'utf8');
      const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.every((i) => i === 'k6' || i.startsWith('k6/'))).toBe(true);
      expect(text).not.toMatch(/\binterface\b|: Record<string, string>/);
    }
    expect(readFileSync(path.join(dir, 'soak.js'), 'utf8')).toContain('EIO=4&transport=websocket');
    // ajv's runtime helpers and the formats are inlined: nothing is left for a require() k6 does not have.
    for (const bundle of ['contracts.js', 'validators.js'])
      expect(readFileSync(path.join(dir, bundle), 'utf8')).not.toContain('Dynamic require');
  });

  it('writes no secret of the config into any file; scripts read credentials from the k6 environment', () => {
    const secrets = Object.values(reference.config.secrets);
    expect(secrets.length).toBe(2);
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${file} contains a secret`).toBe(false);
    }
    expect(readFileSync(path.join(dir, 'load.ts'), 'utf8')).toContain(
      ['`Bearer $', '{__ENV.SHAKEDOWN_TOKEN}`'].join(''),
    );
    const manifest = readFileSync(path.join(dir, 'k6-testrun.yaml'), 'utf8');
    expect(manifest).toContain('secretKeyRef');
    expect(manifest).toContain('parallelism: 6');
  });

  it('refuses to export when a static credential would end up in a file', async () => {
    const token = 'static-token-1234567890';
    const loaded = {
      ...reference,
      config: {
        ...reference.config,
        target: { ...reference.config.target, auth: { type: 'bearer', token } },
        load: configSchema.parse({
          load: {
            ...SMALL_LOAD,
            routes: [{ path: '/livez', headers: { authorization: `Bearer ${token}` } }],
          },
        }).load,
      },
    } as unknown as LoadedConfig;
    await expect(exportK6(loaded, { outDir: tempDir('shakedown-k6-leak-'), parallelism: 1 })).rejects.toThrow(
      /contains a secret value/,
    );
  }, 60_000);
});
