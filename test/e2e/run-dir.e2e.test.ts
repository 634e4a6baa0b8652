import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/run/model.ts';
import {
  CLI,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
} from '../helpers/cli.ts';
import { haveProgram } from '../helpers/system-tools.ts';

const TOKEN = 'tok_SUPERSECRET_0123456789';
const WEBHOOK_SECRET = 'whsec_TOPSECRETvalue42';
const CHECKS = 6;
const XMLLINT = haveProgram('xmllint', 'the JUnit XSD validation of test/e2e/run-dir.e2e.test.ts');

let server: Server;
let baseUrl: string;

// A target that echoes everything back, credentials included: the worst case for redaction.
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', `sid=${TOKEN}; HttpOnly`);
      res.end(JSON.stringify({ authorization: req.headers.authorization, echoed: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

/** A project dir with a config and a scenario that records CHECKS checks, every third one failing. */
function fakeProject(): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'scenarios'));
  writeFileSync(
    path.join(dir, 'shakedown.config.ts'),
    `export default {
  target: { baseUrl: ${JSON.stringify(baseUrl)}, auth: { type: 'bearer', token: ${JSON.stringify(TOKEN)} } },
  secrets: { WEBHOOK_SECRET: ${JSON.stringify(WEBHOOK_SECRET)} },
  stack: { kind: 'url' },
  reporters: ['console', 'json', 'junit'],
};
`,
  );
  writeFileSync(
    path.join(dir, 'scenarios', 'fake.scenario.ts'),
    `import { defineScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

export default defineScenario({
  async run(ctx) {
    for (let i = 0; i < ${CHECKS}; i++) {
      await ctx.check('fake.check-' + i, 'fake check ' + i, async (c) => {
        const exchange = await ctx.http.request({ method: 'POST', path: '/echo', body: { secret: ctx.target.secrets.WEBHOOK_SECRET } });
        const evidence = c.evidence(exchange);
        return i % 3 === 2 ? c.fail('leaked ' + ctx.target.secrets.WEBHOOK_SECRET, evidence) : c.pass('echo answered', evidence);
      });
    }
    // Keeps the run open so the test can kill it with every check already recorded.
    if (process.env.FAKE_HANG) await new Promise((resolve) => setTimeout(resolve, 60_000));
  },
});
`,
  );
  return dir;
}

function validateSummary(summary: RunSummary): void {
  const schema = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'src/report/schema/summary.schema.json'), 'utf8'),
  );
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  expect(validate(summary), JSON.stringify(validate.errors, null, 2)).toBe(true);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

describe('run directory', () => {
  it('records events, writes a schema-valid summary and a valid junit.xml', async () => {
    const dir = fakeProject();
    const result = await runCli(['scenarios'], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    const runDir = latestRunDir(path.join(dir, 'reports'));
    expect(path.basename(runDir)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{6}$/);

    const events = readFileSync(path.join(runDir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0].type).toBe('run-start');
    expect(events.at(-1).type).toBe('run-end');
    expect(events.filter((e) => e.type === 'check')).toHaveLength(CHECKS);

    const summary = readSummary(runDir);
    validateSummary(summary);
    expect(summary.incomplete).toBe(false);
    expect(summary.verdict).toBe('fail');
    expect(summary.counts).toEqual({ pass: 4, fail: 2, warn: 0, skip: 0 });
    expect(summary.suites[0]).toMatchObject({
      kind: 'scenario',
      name: 'fake',
      verdict: 'fail',
      completed: true,
    });
    const failed = summary.suites[0].checks.find((c) => c.verdict === 'fail');
    expect(failed?.evidence?.curl).toContain('"authorization: Bearer $SHAKEDOWN_TOKEN"');

    const junit = path.join(runDir, 'junit.xml');
    const xsd = path.join(REPO_ROOT, 'test/fixtures/junit.xsd');
    if (XMLLINT) execFileSync('xmllint', ['--noout', '--schema', xsd, junit], { stdio: 'pipe' });
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(CHECKS);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toContain('reproduce: curl');
  });

  it('never writes a configured token or secret anywhere in the run directory', async () => {
    const dir = fakeProject();
    const result = await runCli(['scenarios'], { cwd: dir });
    expect(result.code).toBe(1);
    const runDir = latestRunDir(path.join(dir, 'reports'));
    const forbidden = [
      TOKEN,
      WEBHOOK_SECRET,
      Buffer.from(TOKEN).toString('base64'),
      encodeURIComponent(WEBHOOK_SECRET),
    ];
    const files = allFiles(runDir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['events.ndjson', 'junit.xml', 'summary.json']);
    for (const file of files) {
      const content = readFileSync(file, 'utf8');
      for (const secret of forbidden)
        expect(content.includes(secret), `${path.basename(file)} contains a secret`).toBe(false);
      expect(content).toMatch(/<redacted>|&lt;redacted&gt;/);
    }
    for (const secret of forbidden) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('rebuilds an incomplete summary after SIGKILL with every recorded check', async () => {
    const dir = fakeProject();
    const child = spawn(process.execPath, [CLI, 'scenarios', '--reporter', 'json'], {
      cwd: dir,
      env: { ...process.env, FAKE_HANG: '1' },
      stdio: 'ignore',
    });
    const eventsFile = () => {
      const latest = path.join(dir, 'reports', 'latest');
      return existsSync(latest) ? path.join(latestRunDir(path.join(dir, 'reports')), 'events.ndjson') : null;
    };
    const deadline = Date.now() + 30_000;
    let checks = 0;
    while (Date.now() < deadline && checks < CHECKS) {
      await new Promise((r) => setTimeout(r, 100));
      const file = eventsFile();
      checks =
        file && existsSync(file) ? (readFileSync(file, 'utf8').match(/"type":"check"/g) ?? []).length : 0;
    }
    expect(checks).toBe(CHECKS);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const runDir = latestRunDir(path.join(dir, 'reports'));
    expect(existsSync(path.join(runDir, 'summary.json'))).toBe(false);
    const rebuilt = await runCli(['report', runDir]);
    expect(rebuilt.stdout).toContain('incomplete');
    expect(rebuilt.code).toBe(5);
    expect(readFileSync(path.join(runDir, 'junit.xml'), 'utf8')).toContain('type="run.incomplete"');
    const summary = readSummary(runDir);
    validateSummary(summary);
    expect(summary.incomplete).toBe(true);
    expect(summary.finishedAt).toBeNull();
    expect(summary.suites[0].completed).toBe(false);
    expect(summary.suites[0].checks.map((c) => c.id)).toEqual(
      Array.from({ length: CHECKS }, (_, i) => `fake.check-${i}`),
    );
    expect(existsSync(path.join(runDir, 'junit.xml'))).toBe(true);
  });

  it('rebuilds from an events file whose last line was cut mid-way', async () => {
    const dir = fakeProject();
    await runCli(['scenarios', '--reporter', 'json'], { cwd: dir });
    const runDir = latestRunDir(path.join(dir, 'reports'));
    const file = path.join(runDir, 'events.ndjson');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Cut the last check in half and lose what followed, as a kill during that write would.
    const lastCheck = lines.findLastIndex((l) => l.includes('"type":"check"'));
    const kept = lines.slice(0, lastCheck);
    const half = lines[lastCheck].slice(0, 40);
    writeFileSync(file, `${kept.join('\n')}\n${half}`);
    const rebuilt = await runCli(['report', runDir]);
    expect(rebuilt.stdout).toContain('1 unreadable line(s) skipped');
    const summary = readSummary(runDir);
    expect(summary.incomplete).toBe(true);
    expect(summary.suites[0].checks).toHaveLength(CHECKS - 1);
  });

  it('refuses a directory that is not a run directory, exit 2', async () => {
    const result = await runCli(['report', tempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('events.ndjson does not exist');
  });
});
