import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/stack/free-port.ts';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  referenceTargetConfig,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  VOICE_API_SERVER,
  VOICE_SOCKET_AUTH_IMPORT,
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
  return readFileSync(path.join(REPO_ROOT, `scenarios/${name}.scenario.ts`), 'utf8')
    .replace("from 'shakedown'", `from ${JSON.stringify(SHAKEDOWN_IMPORT)}`)
    .replace("from './support/voice-socket-auth.ts'", `from ${JSON.stringify(VOICE_SOCKET_AUTH_IMPORT)}`);
}

async function runHardening(options: {
  faults?: string[];
  env?: Record<string, string>;
  readyUrl?: string;
  jwtSecret?: string;
}) {
  const dir = tempDir('shakedown-hardening-');
  let config = voiceApiConfig({
    faults: options.faults,
    env: options.env ?? { CORS_ORIGINS },
    extra: "scenarios: { dir: 'scenarios' }, profile: 'quick'",
  });
  if (options.readyUrl)
    config = config.replace('redis: false,', `redis: false,\n    readyUrl: '${options.readyUrl}',`);
  if (options.jwtSecret) {
    config = config.replace(
      "JWT_SECRET: randomBytes(32).toString('base64url')",
      `JWT_SECRET: ${JSON.stringify(options.jwtSecret)}`,
    );
  }
  writeConfig(dir, config);
  mkdirSync(path.join(dir, 'scenarios'));
  writeFileSync(path.join(dir, 'scenarios/hardening.scenario.ts'), repoScript('hardening'));
  const result = await runCli(['scenarios', 'hardening'], { cwd: dir, timeoutMs: 120_000 });
  const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
  const verdicts = Object.fromEntries(IDS.map((id) => [id, checksWithId(summary, id)[0]]));
  return { result, verdicts, summary, runDir: latestRunDir(path.join(dir, 'reports')) };
}

// Each planted fault must fail its check under its own id (for the message given, when there is one);
// every other hardening check must not fail.
const MATRIX: { fault: string; fails: string; because?: RegExp }[] = [
  { fault: 'headers-off', fails: 'headers.security' },
  { fault: 'cors-reflect', fails: 'cors.no-reflection' },
  { fault: 'cors-no-vary', fails: 'cors.allowed-origin', because: /lacks Vary: Origin/ },
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

  for (const { fault, fails, because } of MATRIX) {
    it(`${fault}: fails ${fails} and nothing else`, { timeout: 120_000 }, async () => {
      const { result, verdicts } = await runHardening({ faults: [fault] });
      expect(result.code, result.stderr).toBe(1);
      for (const id of IDS) {
        const check = verdicts[id];
        if (id === fails) expect(check.verdict, `${id}: ${check.message}`).toBe('fail');
        // Without a 413 (body-limit-off), headers.security can only warn that it did not see one.
        else expect(check.verdict, `${id}: ${check.message}`).not.toBe('fail');
      }
      if (because) expect(verdicts[fails].message).toMatch(because);
    });
  }

  // The two probe faults touch different routes (/livez's auth, /readyz's body), so one run shows both
  // and keeps the file's wall time down; each failure is tied to its fault by its message.
  it('health-auth + health-leak: fail health.live and health.ready, without repeating the leaked secrets', {
    timeout: 120_000,
  }, async () => {
    const jwtSecret = randomBytes(32).toString('base64url');
    const { result, verdicts, runDir } = await runHardening({
      faults: ['health-auth', 'health-leak'],
      jwtSecret,
    });
    expect(result.code, result.stderr).toBe(1);
    const failing = ['health.live', 'health.ready'];
    for (const id of IDS) {
      const check = verdicts[id];
      if (failing.includes(id)) expect(check.verdict, `${id}: ${check.message}`).toBe('fail');
      else expect(check.verdict, `${id}: ${check.message}`).not.toBe('fail');
    }
    expect(verdicts['health.live'].message).toBe(
      '/livez answered 401 without credentials: probes from an orchestrator carry none',
    );
    expect(verdicts['health.ready'].message).toMatch(
      /^\/readyz the body contains the value of JWT_SECRET; .*the value of WEBHOOK_SECRET; .*a webhook signing secret/,
    );
    // The evidence shows where the leak is, not what leaked.
    const evidence = JSON.stringify(verdicts['health.ready'].evidence);
    expect(evidence).toContain('jwtSecret');
    expect(evidence).not.toMatch(/whsec_[A-Za-z0-9+/=]{8}/);
    for (const file of readdirSync(runDir)) {
      if (statSync(path.join(runDir, file)).isFile())
        expect(readFileSync(path.join(runDir, file), 'utf8'), file).not.toContain(jwtSecret);
    }
  });

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
      referenceTargetConfig({
        secrets: JSON.stringify(secrets),
        stack: "{ kind: 'url' }",
        extra: "scenarios: { dir: 'scenarios' },",
      }),
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
