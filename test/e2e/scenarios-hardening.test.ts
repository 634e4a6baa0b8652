import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/stack/free-port.ts';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  VOICE_API_SERVER,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

const IDS = [
  'health.live',
  'health.ready',
  'headers.security',
  'cors.no-reflection',
  'cors.allowed-origin',
  'body-limit.enforced',
  'auth.required',
  'startup.fail-fast',
];
const CORS_ORIGINS = 'https://app.example.test';

/** The repo's own script, importing the package from the checkout (a temp dir cannot resolve 'shakedown'). */
function repoScript(name: string): string {
  return readFileSync(path.join(REPO_ROOT, `scenarios/${name}.scenario.ts`), 'utf8').replace(
    "from 'shakedown'",
    `from ${JSON.stringify(SHAKEDOWN_IMPORT)}`,
  );
}

async function runHardening(options: { faults?: string[]; env?: Record<string, string>; readyUrl?: string }) {
  const dir = tempDir('shakedown-hardening-');
  let config = voiceApiConfig({
    faults: options.faults,
    env: options.env ?? { CORS_ORIGINS },
    extra: "scenarios: { dir: 'scenarios' }, profile: 'quick'",
  });
  if (options.readyUrl)
    config = config.replace('redis: false,', `redis: false,\n    readyUrl: '${options.readyUrl}',`);
  writeConfig(dir, config);
  mkdirSync(path.join(dir, 'scenarios'));
  writeFileSync(path.join(dir, 'scenarios/hardening.scenario.ts'), repoScript('hardening'));
  const result = await runCli(['scenarios', 'hardening'], { cwd: dir, timeoutMs: 120_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  const verdicts = Object.fromEntries(IDS.map((id) => [id, checksWithId(summary, id)[0]]));
  return { result, verdicts, summary };
}

// Each planted fault must fail its check under its own id; every other hardening check must not fail.
const MATRIX: { fault: string; fails: string }[] = [
  { fault: 'headers-off', fails: 'headers.security' },
  { fault: 'cors-reflect', fails: 'cors.no-reflection' },
  { fault: 'body-limit-off', fails: 'body-limit.enforced' },
  { fault: 'auth-off', fails: 'auth.required' },
  { fault: 'secret-placeholder-ok', fails: 'startup.fail-fast' },
];

describe('hardening scenario against the reference target', () => {
  it('passes every check on the healthy target', { timeout: 120_000 }, async () => {
    const { result, verdicts } = await runHardening({});
    for (const id of IDS) expect(verdicts[id]?.verdict, `${id}: ${verdicts[id]?.message}`).toBe('pass');
    expect(verdicts['headers.security'].message).toMatch(/on 200, 401, 404, 413, 429 .*A\+/);
    expect(result.code, result.stderr).toBe(0);
  });

  for (const { fault, fails } of MATRIX) {
    it(`${fault}: fails ${fails} and nothing else`, { timeout: 120_000 }, async () => {
      const { result, verdicts } = await runHardening({ faults: [fault] });
      expect(result.code, result.stderr).toBe(1);
      for (const id of IDS) {
        const check = verdicts[id];
        if (id === fails) expect(check.verdict, `${id}: ${check.message}`).toBe('fail');
        // Without a 413 (body-limit-off), headers.security can only warn that it did not see one.
        else expect(check.verdict, `${id}: ${check.message}`).not.toBe('fail');
      }
    });
  }

  it('fails cors.allowed-origin when the target does not allow the configured origin', {
    timeout: 120_000,
  }, async () => {
    const { result, verdicts } = await runHardening({ env: {} });
    expect(result.code).toBe(1);
    expect(verdicts['cors.allowed-origin'].verdict).toBe('fail');
    expect(verdicts['cors.allowed-origin'].message).toContain('got Access-Control-Allow-Origin (none)');
    expect(verdicts['cors.no-reflection'].verdict).toBe('pass');
  });

  it('fails health.ready, not health.live, while the target cannot reach its Redis', {
    timeout: 120_000,
  }, async () => {
    const closedPort = await freePort();
    const { verdicts } = await runHardening({
      env: { CORS_ORIGINS, REDIS_URL: `redis://127.0.0.1:${closedPort}` },
      readyUrl: '/livez',
    });
    expect(verdicts['health.ready'].verdict).toBe('fail');
    expect(verdicts['health.ready'].message).toContain('/readyz answered 503, expected 200');
    expect(verdicts['health.live'].verdict).toBe('pass');
  });
});

describe('on a url stack', () => {
  it('skips what needs the process, with the reason, and runs the rest', { timeout: 120_000 }, async () => {
    const dir = tempDir('shakedown-hardening-url-');
    const secrets = {
      JWT_SECRET: randomBytes(32).toString('base64url'),
      WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    };
    writeConfig(
      dir,
      `import { defineConfig, mintHs256Token } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
const secrets = ${JSON.stringify(secrets)};
export default defineConfig({
  secrets,
  target: { auth: { type: 'bearer', token: () => mintHs256Token(secrets.JWT_SECRET) } },
  scenarios: { dir: 'scenarios' },
});
`,
    );
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(path.join(dir, 'scenarios/hardening.scenario.ts'), repoScript('hardening'));
    writeFileSync(path.join(dir, 'scenarios/graceful-shutdown.scenario.ts'), repoScript('graceful-shutdown'));
    const port = await freePort();
    const server = spawn(process.execPath, [VOICE_API_SERVER], {
      env: { ...process.env, ...secrets, PORT: String(port), CORS_ORIGINS },
      stdio: 'ignore',
    });
    try {
      await waitReady(server, `http://127.0.0.1:${port}/readyz`);
      const result = await runCli(['scenarios', '--target', `http://127.0.0.1:${port}`], { cwd: dir });
      const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
      const shutdown = summary.suites.find((s) => s.name === 'graceful-shutdown')!;
      expect(shutdown.checks).toHaveLength(8);
      for (const check of shutdown.checks) {
        expect(check.verdict, check.id).toBe('skip');
        expect(check.message).toMatch(/a url stack cannot signal the target/);
      }
      const startup = checksWithId(summary, 'startup.fail-fast')[0];
      expect(startup.verdict).toBe('skip');
      expect(startup.message).toMatch(/a url stack cannot start variants/);
      for (const id of IDS.filter((i) => i !== 'startup.fail-fast')) {
        expect(checksWithId(summary, id)[0].verdict, id).toBe('pass');
      }
      expect(result.code, result.stderr).toBe(0);
      expect(server.exitCode, 'the url target is never signalled').toBeNull();
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe("the repo's scenarios/hardening.scenario.ts", () => {
  it("passes against the repo's default config", { timeout: 120_000 }, async () => {
    const out = tempDir('shakedown-hardening-repo-');
    const result = await runCli(['scenarios', 'hardening', '--out', out], { cwd: REPO_ROOT });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const summary = readSummary(latestRunDir(out));
    for (const id of IDS) expect(checksWithId(summary, id).map((c) => c.verdict)).toEqual(['pass']);
  });
});

async function waitReady(server: ChildProcess, url: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline && server.exitCode === null) {
    const ok = await fetch(url)
      .then((res) => res.ok)
      .catch(() => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`the voice-api did not become ready at ${url}`);
}

// No planted fault in the reference target breaks these, so a tiny real target does: its liveness
// probe wants a token, its readiness body shows the Redis URL with the password, and its CORS
// answers lack Vary: Origin.
const MISBEHAVING_TARGET = `import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const origin = req.headers.origin;
  if (origin === 'https://app.example.test') res.setHeader('Access-Control-Allow-Origin', origin);
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    return res.writeHead(204).end();
  }
  if (req.url === '/livez') return res.writeHead(req.headers.authorization ? 200 : 401).end();
  if (req.url === '/readyz') return res.end(JSON.stringify({ status: 'ready', redis: 'redis://default:hunter22@10.0.0.5:6379' }));
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT), process.env.HOST);
`;

describe('checks without a planted fault in the reference target', () => {
  it('fails health.live, health.ready and cors.allowed-origin on a target that deserves it', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('shakedown-hardening-bad-');
    writeFileSync(path.join(dir, 'bad-target.mjs'), MISBEHAVING_TARGET);
    writeConfig(
      dir,
      `import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
export default defineConfig({
  stack: { kind: 'local', command: ['node', 'bad-target.mjs'], readyUrl: '/readyz' },
  scenarios: { dir: 'scenarios' },
});
`,
    );
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(
      path.join(dir, 'scenarios/hardening.scenario.ts'),
      `import { hardeningScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
export default hardeningScenario({ cors: { allowedOrigins: ['https://app.example.test'] } });
`,
    );
    const result = await runCli(['scenarios'], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const check = (id: string) => checksWithId(summary, id)[0];
    expect(check('health.live').verdict).toBe('fail');
    expect(check('health.live').message).toMatch(/answered 401 without credentials/);
    expect(check('health.ready').verdict).toBe('fail');
    expect(check('health.ready').message).toMatch(/the body contains a URL with a password/);
    expect(JSON.stringify(check('health.ready').evidence)).not.toContain('hunter22');
    expect(check('cors.allowed-origin').verdict).toBe('fail');
    expect(check('cors.allowed-origin').message).toMatch(/lacks Vary: Origin/);
    expect(check('cors.no-reflection').verdict).toBe('pass');
  });
});
