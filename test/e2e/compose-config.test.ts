import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEnvFile } from '../../src/stack/compose/env-file.ts';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  runCli,
  SHAKEDOWN_IMPORT,
  tempDir,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

// The compose stack kind where no Docker is needed to see it behave: bad config, no engine, and the
// replicas scenario on a stack that has no replicas. (compose.test.ts runs the real thing.)

function composeConfig(stack: string): string {
  return `import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

export default defineConfig({
  secrets: { JWT_SECRET: ${JSON.stringify(randomBytes(32).toString('base64url'))} },
  stack: { kind: 'compose', file: ${JSON.stringify(path.join(REPO_ROOT, 'docker-compose.test.yml'))}, beforeBuild: false, ${stack} },
  scenarios: { dir: ${JSON.stringify(path.join(REPO_ROOT, 'scenarios'))} },
});
`;
}

async function scenariosWith(config: string, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir('shakedown-compose-config-');
  writeConfig(dir, config);
  return runCli(['scenarios', 'replicas'], { cwd: dir, env, timeoutMs: 60_000 });
}

describe('compose stack without Docker', () => {
  it('says Docker is not available (exit 3) when the docker CLI is missing', async () => {
    const result = await scenariosWith(composeConfig(''), { PATH: '/nonexistent' });
    expect(result.code).toBe(3);
    expect(result.stderr + result.stdout).toMatch(/Docker is not available: the docker CLI is not installed/);
  });

  it('says Docker is not available (exit 3) when the engine does not answer', async () => {
    // A docker CLI whose engine is down, whether or not this machine has a real one.
    const bin = tempDir('shakedown-fake-docker-');
    writeFileSync(
      path.join(bin, 'docker'),
      '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const result = await scenariosWith(composeConfig(''), { PATH: `${bin}:${process.env.PATH}` });
    expect(result.code).toBe(3);
    expect(result.stderr + result.stdout).toMatch(
      /Docker is not available: the Docker engine does not answer/,
    );
  });

  it.each([
    [
      'no entry service',
      "services: { api: { role: 'replica', portEnv: 'API_PORT', readyPath: '/readyz' } }",
      /stack\.services: expected exactly one service with role 'entry'/,
    ],
    [
      'a bad port variable name',
      "services: { lb: { role: 'entry', portEnv: 'lb-port' } }",
      /stack\.services\.lb\.portEnv: expected an environment variable name/,
    ],
    [
      'a compose file that does not exist',
      "file: 'nope.yml'",
      /stack\.file: the compose file .*nope\.yml does not exist/,
    ],
    [
      'a port that is not a number',
      "env: { LB_PORT: 'eighty' }",
      /stack\.env\.LB_PORT: expected a port number/,
    ],
  ])('refuses %s (exit 2)', async (_what, stack, message) => {
    const result = await scenariosWith(composeConfig(stack));
    expect(result.stderr + result.stdout).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('skips every replicas check, with the reason, on the local stack', async () => {
    const dir = tempDir('shakedown-compose-config-');
    writeConfig(
      dir,
      voiceApiConfig({ extra: `scenarios: { dir: ${JSON.stringify(path.join(REPO_ROOT, 'scenarios'))} },` }),
    );
    const result = await runCli(['scenarios', 'replicas'], { cwd: dir, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    for (const id of [
      'rate-limit.shared-across-replicas',
      'shutdown.rolling-restart',
      'health.ready-tracks-dependencies',
    ]) {
      const [check] = checksWithId(summary, id);
      expect(check.verdict).toBe('skip');
      expect(check.message).toMatch(/a local stack has no replicas behind a load balancer.*--stack compose/);
    }
  });
});

describe('the run env file', () => {
  it('writes NAME=value lines, quoting values compose would otherwise reinterpret', () => {
    expect(formatEnvFile({ JWT_SECRET: 'abc+/=', WEBHOOK_SECRET: 'whsec_a b#c' })).toBe(
      "JWT_SECRET=abc+/=\nWEBHOOK_SECRET='whsec_a b#c'\n",
    );
  });

  it('refuses values it cannot carry, naming the secret but not its value', () => {
    expect(() => formatEnvFile({ TOKEN: "it's\nsecret" })).toThrow(/secrets\.TOKEN: cannot be passed/);
    expect(() => formatEnvFile({ TOKEN: "it's\nsecret" })).not.toThrow(/it's/);
  });
});
