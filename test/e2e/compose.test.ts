import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  VOICE_SOCKET_AUTH_IMPORT,
  writeConfig,
} from '../helpers/cli.ts';
import {
  buildComposeImages,
  composeConfig,
  composeProjectsIn,
  composeUnavailable,
  projectContainers,
  removeProjectContainers,
} from '../helpers/compose.ts';

// The composed stack for real: docker-compose.test.yml through testcontainers, two voice-api replicas
// behind the load balancer, sharing Redis. The images are built once for the file; every run below
// starts its own project on free ports and must leave no container behind.
//
// Needs a Docker engine with the compose v2 plugin. On an air-gapped machine the images come from the
// SHAKEDOWN_NODE_IMAGE / SHAKEDOWN_REDIS_IMAGE the workplace's setup script exports (.ci/run runs it).

const REPLICA_CHECKS = [
  'rate-limit.shared-across-replicas',
  'shutdown.rolling-restart',
  'health.ready-tracks-dependencies',
];

const unavailable = composeUnavailable('compose e2e tests');

const secrets = {
  JWT_SECRET: randomBytes(32).toString('base64url'),
  WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
};

/** A config for the compose stack with the given faults and scenarios. */
function composeRunConfig(
  options: {
    faults?: string[];
    scenariosDir?: string;
    extra?: string;
    stack?: string;
    readyTimeoutMs?: number;
  } = {},
): string {
  return composeConfig({
    secrets,
    env: { SHUTDOWN_DRAIN_MS: '1000', VOICE_API_FAULTS: (options.faults ?? []).join(',') },
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    stack: options.stack,
    extra: `scenarios: { dir: ${JSON.stringify(options.scenariosDir ?? path.join(REPO_ROOT, 'scenarios'))} },
  soak: { enabled: false },
  load: { enabled: false },
  ${options.extra ?? ''}`,
  });
}

/** A scenario directory holding only the replicas scenario with one of its checks on. */
function oneCheckScenario(dir: string, check: 'sharedLimit' | 'rollingRestart' | 'readiness'): string {
  const scenarios = path.join(dir, 'scenarios');
  mkdirSync(scenarios, { recursive: true });
  const off = ['sharedLimit', 'rollingRestart', 'readiness'].filter((k) => k !== check);
  writeConfig(
    scenarios,
    `import { replicasScenario } from ${JSON.stringify(SHAKEDOWN_IMPORT)};
import { voiceSocketAuth } from ${JSON.stringify(VOICE_SOCKET_AUTH_IMPORT)};

export default replicasScenario({
  ${off.map((k) => `${k}: false`).join(', ')},
  rollingRestart: ${
    check === 'rollingRestart'
      ? `{
    socketAuth: voiceSocketAuth,
  }`
      : 'false'
  },
});
`,
    'replicas.scenario.ts',
  );
  return scenarios;
}

/** Every compose project a run started, named in its output; none may have a container left. */
function projectsIn(output: string): string[] {
  const projects = composeProjectsIn(output);
  for (const project of projects) seenProjects.add(project);
  return projects;
}

const seenProjects = new Set<string>();

/** runCli, noting the compose projects the run started so that afterAll can make sure they are gone. */
async function runComposeCli(args: string[], cwd: string, timeoutMs: number) {
  const result = await runCli(args, { cwd, timeoutMs });
  projectsIn(result.stdout);
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.skipIf(unavailable !== null)('compose stack (docker-compose.test.yml, testcontainers)', () => {
  const started: ChildProcess[] = [];

  beforeAll(() => {
    // Once for the file: the bundle on the host, then both images, with no network inside the build.
    buildComposeImages();
    // Earlier builds of these images, untagged by this one: keep the machine's disk flat across runs.
    execFileSync('docker', ['image', 'prune', '--force', '--filter', 'label=dev.shakedown.image'], {
      stdio: 'pipe',
    });
  }, 330_000);

  afterAll(async () => {
    // A CLI still running here means a test failed midway: let it stop its stack, then make sure.
    for (const child of started) if (child.exitCode === null) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 5_000));
    for (const child of started) child.kill('SIGKILL');
    for (const project of seenProjects) removeProjectContainers(project);
  }, 60_000);

  it('stack up prints every service URL; stack down removes every container', async () => {
    const dir = tempDir('shakedown-compose-');
    writeConfig(dir, composeRunConfig());
    const up = spawn(process.execPath, [CLI, 'stack', 'up'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(up);
    let output = '';
    up.stdout.on('data', (d) => {
      output += d;
    });
    up.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 150_000;
    while (!output.includes('Ctrl-C') && Date.now() < deadline && up.exitCode === null)
      await new Promise((r) => setTimeout(r, 200));
    const [project] = projectsIn(output);
    expect(output).toMatch(/stack compose is up: http:\/\/127\.0\.0\.1:\d+/);
    const urls = Object.fromEntries(
      [...output.matchAll(/^ {2}(\S+) \((entry|replica|dependency)\): (\S+)$/gm)].map((m) => [m[1], m[3]]),
    );
    expect(Object.keys(urls).sort()).toEqual(['lb', 'redis', 'voice-api-1', 'voice-api-2']);
    expect(urls.redis).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    for (const name of ['lb', 'voice-api-1', 'voice-api-2'])
      expect((await fetch(`${urls[name]}/readyz`)).status, name).toBe(200);
    expect(projectContainers(project)).toHaveLength(4);

    const down = await runCli(['stack', 'down'], { cwd: dir, timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(await exited).toBe(0);
    expect(projectContainers(project)).toEqual([]);
    expect(readdirSync(path.join(dir, 'reports', 'stack')).sort()).toEqual([
      'lb.log',
      'redis.log',
      'voice-api-1.log',
      'voice-api-2.log',
    ]);
  }, 240_000);

  it('a stack that cannot start is exit 3 with the service output, and leaves nothing behind', async () => {
    const dir = tempDir('shakedown-compose-');
    writeConfig(dir, composeRunConfig({ faults: ['no-such-fault'] }));
    const result = await runComposeCli(['scenarios', 'replicas'], dir, 180_000);
    expect(result.code).toBe(3);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(summary.error?.code).toBe('SHK_STACK_START');
    // The replica's own words: it refused the unknown fault name.
    expect(summary.error?.message).toMatch(
      /exited \(code 1\) before it was ready[\s\S]*unknown fault\(s\) no-such-fault/,
    );
    for (const project of projectsIn(result.stdout)) expect(projectContainers(project)).toEqual([]);
  }, 240_000);

  it('Ctrl-C while the stack starts removes it', async () => {
    const dir = tempDir('shakedown-compose-');
    // voice-api-1 is judged ready on a route that answers 401, so `up` cannot return before
    // stack.readyTimeoutMs: the signal always lands while the stack is starting, however fast the machine.
    writeConfig(
      dir,
      composeRunConfig({
        readyTimeoutMs: 30_000,
        stack: `services: {
      lb: { role: 'entry', portEnv: 'LB_PORT', readyPath: '/__lb/health' },
      'voice-api-1': { role: 'replica', portEnv: 'VOICE_API_1_PORT', readyPath: '/v1/sessions' },
      'voice-api-2': { role: 'replica', portEnv: 'VOICE_API_2_PORT', readyPath: '/readyz' },
      redis: { role: 'dependency', portEnv: 'REDIS_PORT' },
    }`,
      }),
    );
    const run = spawn(process.execPath, [CLI, 'scenarios', 'replicas'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(run);
    let output = '';
    run.stdout.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => run.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!output.includes('starting the compose stack') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const [project] = projectsIn(output);
    expect(project).toBeDefined();
    // Once compose has created something, interrupt: the harness must not die and leave it running.
    while (projectContainers(project).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    run.kill('SIGINT');
    // Interrupted before the stack was up: the stack did not start (3), and nothing is left running.
    expect(await exited).toBe(3);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    expect(summary.error?.code).toBe('SHK_STACK_START');
    expect(projectContainers(project)).toEqual([]);
  }, 180_000);

  it('contracts and every scenario pass on the healthy composed stack (exit 0)', async () => {
    const dir = tempDir('shakedown-compose-');
    writeConfig(dir, composeRunConfig());
    const result = await runComposeCli(['run'], dir, 420_000);
    const runDir = latestRunDir(path.join(dir, 'reports'));
    const summary = readSummary(runDir);
    const failed = summary.suites.flatMap((s) => s.checks).filter((c) => c.verdict === 'fail');
    expect(failed.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
    expect(summary.suites.map((s) => s.name)).toEqual(
      expect.arrayContaining(['contracts', 'hardening', 'rate-limit', 'replicas', 'webhook-replay']),
    );
    // rate-limit has a check of the same id (which skips without replica URLs): these are the replicas suite's.
    const replicas = summary.suites.find((s) => s.name === 'replicas');
    for (const id of REPLICA_CHECKS) {
      const check = replicas?.checks.find((c) => c.id === id);
      expect(check?.verdict, `${id}: ${check?.message}`).toBe('pass');
    }
    expect(replicas?.checks.find((c) => c.id === 'shutdown.rolling-restart')?.message).toMatch(
      /no 5xx, no connection errors/,
    );
    // Each service's output is in the run directory, and no secret is anywhere in it.
    for (const log of ['lb.log', 'redis.log', 'voice-api-1.log', 'voice-api-2.log'])
      expect(readFileSync(path.join(runDir, log), 'utf8')).not.toBe('');
    for (const file of filesUnder(runDir)) {
      const text = readFileSync(file, 'utf8');
      for (const secret of Object.values(secrets)) expect(text.includes(secret), file).toBe(false);
    }
    for (const project of projectsIn(result.stdout)) expect(projectContainers(project)).toEqual([]);
  }, 480_000);

  it.each([
    [
      'rate-limit-memory-store',
      'sharedLimit',
      'rate-limit.shared-across-replicas',
      /holds per replica, not for the stack/,
    ],
    [
      'shutdown-abrupt',
      'rollingRestart',
      'shutdown.rolling-restart',
      /clients noticed the rolling restart: .*5xx/,
    ],
    [
      'readiness-ignores-redis',
      'readiness',
      'health.ready-tracks-dependencies',
      /readiness still answered 200/,
    ],
  ] as const)(
    'fault %s fails %s → %s',
    async (fault, key, id, message) => {
      const dir = tempDir('shakedown-compose-');
      writeConfig(dir, composeRunConfig({ faults: [fault], scenariosDir: oneCheckScenario(dir, key) }));
      const result = await runComposeCli(['scenarios', 'replicas'], dir, 240_000);
      const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
      const [check] = checksWithId(summary, id);
      expect(check?.verdict, check?.message).toBe('fail');
      expect(check.message).toMatch(message);
      expect(result.code).toBe(1);
      for (const other of REPLICA_CHECKS.filter((x) => x !== id))
        expect(checksWithId(summary, other)[0].verdict).toBe('skip');
      for (const project of projectsIn(result.stdout)) expect(projectContainers(project)).toEqual([]);
    },
    300_000,
  );
});
