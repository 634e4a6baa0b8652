import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../../src/config/resolve.ts';
import { assertLoadAllowed, isLoopbackHost } from '../../src/config/safety.ts';
import { ShakedownError } from '../../src/errors.ts';
import { tempDir } from '../helpers/cli.ts';

function configError(input: Record<string, unknown>): ShakedownError {
  try {
    resolveConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ShakedownError);
    return error as ShakedownError;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  // Each row: an invalid config and the path + expectation the message must name.
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'negative soak sessions',
      { soak: { sessions: -3 } },
      'soak.sessions: expected a positive integer, got -3',
    ],
    [
      'fractional soak sessions',
      { soak: { sessions: 2.5 } },
      'soak.sessions: expected a positive integer, got 2.5',
    ],
    [
      'zero soak duration',
      { soak: { durationSec: 0 } },
      'soak.durationSec: expected a positive number, got 0',
    ],
    [
      'soak workers not a number',
      { soak: { workers: 'two' } },
      'soak.workers: expected a positive integer, got "two"',
    ],
    ['unknown top-level option', { targets: {} }, "(root): unknown option 'targets'"],
    ['unknown nested option', { soak: { sesions: 10 } }, "soak: unknown option 'sesions'"],
    [
      'base URL not a URL',
      { target: { baseUrl: 'not a url' } },
      'target.baseUrl: expected an http(s) URL, got "not a url"',
    ],
    [
      'base URL with another scheme',
      { target: { baseUrl: 'ftp://127.0.0.1' } },
      'target.baseUrl: expected an http(s) URL',
    ],
    [
      'unknown stack kind',
      { stack: { kind: 'k8s' } },
      'stack.kind: expected one of "local", "compose", "url", got "k8s"',
    ],
    [
      'local stack without command',
      { stack: { kind: 'local' } },
      'stack.command: expected one of the documented forms, got nothing',
    ],
    ['local stack port out of range', { stack: { kind: 'local', command: 'x', port: 70000 } }, 'stack.port'],
    [
      'unknown reporter',
      { reporters: ['pdf'] },
      'reporters.0: expected one of "console", "json", "junit", "html", got "pdf"',
    ],
    ['empty reporter list', { reporters: [] }, 'reporters: expected at least 1 items, got []'],
    ['unknown profile', { profile: 'medium' }, 'profile: expected one of "quick", "full", got "medium"'],
    [
      'auth of unknown type',
      { target: { auth: { type: 'basic' } } },
      'target.auth.type: expected one of "bearer", "header"',
    ],
    ['bearer auth without token', { target: { auth: { type: 'bearer' } } }, 'target.auth.token'],
    [
      'contracts concurrency zero',
      { contracts: { concurrency: 0 } },
      'contracts.concurrency: expected a positive integer, got 0',
    ],
    ['threshold list empty', { thresholds: { event_rtt_ms: [] } }, 'thresholds.event_rtt_ms'],
    ['secrets not strings', { secrets: { JWT_SECRET: 42 } }, 'secrets.JWT_SECRET: expected string, got 42'],
    [
      'load allowed hosts not a list',
      { target: { loadAllowedHosts: 'staging' } },
      'target.loadAllowedHosts: expected array',
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    const error = configError(input);
    expect(error.code).toBe('SHK_CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(expected);
  });

  it('reports every problem at once', () => {
    const error = configError({ soak: { sessions: -3, durationSec: -1 }, reporters: ['pdf'], profile: 'x' });
    expect(error.message).toContain('4 problems');
    for (const path of ['soak.sessions', 'soak.durationSec', 'reporters.0', 'profile'])
      expect(error.message).toContain(path);
  });

  it('fills defaults and freezes the result', () => {
    const config = resolveConfig({ target: { baseUrl: 'http://127.0.0.1:3000' } });
    expect(config.stack).toEqual({ kind: 'url' });
    expect(config.reporters).toContain('json');
    expect(config.contracts.concurrency).toBe(4);
    expect(config.profile).toBe('full');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.soak)).toBe(true);
  });
});

describe('config precedence: defaults < file < profile < env < flags', () => {
  const file = {
    target: { baseUrl: 'http://127.0.0.1:1111' },
    out: 'from-file',
    soak: { sessions: 5, durationSec: 900 },
    profiles: { quick: { soak: { durationSec: 60 } } },
  };

  it('takes the file over the defaults', () => {
    const config = resolveConfig(file);
    expect(config.out).toBe('from-file');
    expect(config.soak.durationSec).toBe(900);
  });

  it('applies the profile overrides over the file', () => {
    const config = resolveConfig(file, { profile: 'quick' });
    expect(config.profile).toBe('quick');
    expect(config.soak.durationSec).toBe(60);
    expect(config.soak.sessions).toBe(5);
  });

  it('takes SHAKEDOWN_* environment over the file and profile', () => {
    const config = resolveConfig(
      file,
      {},
      {
        SHAKEDOWN_OUT: 'from-env',
        SHAKEDOWN_PROFILE: 'quick',
        SHAKEDOWN_TARGET: 'http://127.0.0.1:2222',
        SHAKEDOWN_REPORTERS: 'json, junit',
      },
    );
    expect(config.out).toBe('from-env');
    expect(config.profile).toBe('quick');
    expect(config.soak.durationSec).toBe(60);
    expect(config.target.baseUrl).toBe('http://127.0.0.1:2222');
    expect(config.reporters).toEqual(['json', 'junit']);
  });

  it('takes CLI flags over the environment', () => {
    const config = resolveConfig(
      file,
      { out: 'from-flag', profile: 'full', target: 'http://127.0.0.1:3333', reporter: ['junit'] },
      { SHAKEDOWN_OUT: 'from-env', SHAKEDOWN_PROFILE: 'quick', SHAKEDOWN_TARGET: 'http://127.0.0.1:2222' },
    );
    expect(config.out).toBe('from-flag');
    expect(config.profile).toBe('full');
    expect(config.soak.durationSec).toBe(900);
    expect(config.target.baseUrl).toBe('http://127.0.0.1:3333');
    expect(config.reporters).toEqual(['junit']);
  });

  it('--target turns a local stack into a url stack', () => {
    const config = resolveConfig(
      { stack: { kind: 'local', command: ['node', 'x.ts'] } },
      { target: 'http://127.0.0.1:4444' },
    );
    expect(config.stack).toEqual({ kind: 'url' });
  });

  it('SHAKEDOWN_TOKEN becomes a static bearer token', () => {
    const config = resolveConfig(file, {}, { SHAKEDOWN_TOKEN: 'tok_from_env_123' });
    expect(config.target.auth).toEqual({ type: 'bearer', token: 'tok_from_env_123' });
  });

  it('SHAKEDOWN_API_KEY_HEADER and SHAKEDOWN_API_KEY become header auth; an empty key is refused with its path', () => {
    const config = resolveConfig(
      file,
      {},
      { SHAKEDOWN_API_KEY_HEADER: 'X-Api-Key', SHAKEDOWN_API_KEY: 'key_from_env_123' },
    );
    expect(config.target.auth).toEqual({ type: 'header', name: 'X-Api-Key', value: 'key_from_env_123' });
    expect(() => resolveConfig(file, {}, { SHAKEDOWN_API_KEY_HEADER: 'X-Api-Key' })).toThrow(
      /target\.auth\.value/,
    );
  });
});

describe('config files', () => {
  it('loads a TypeScript config with Node type stripping', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'shakedown.config.ts'),
      `const sessions: number = 7;\nexport default { target: { baseUrl: 'http://127.0.0.1:9' }, soak: { sessions } };\n`,
    );
    const loaded = await loadConfig({}, {}, dir);
    expect(loaded.config.soak.sessions).toBe(7);
    expect(loaded.file).toBe(path.join(dir, 'shakedown.config.ts'));
  });

  it('names the missing file and the fix', async () => {
    const dir = tempDir();
    await expect(loadConfig({ config: 'nope.config.ts' }, {}, dir)).rejects.toMatchObject({
      code: 'SHK_CONFIG_NOT_FOUND',
      message: expect.stringContaining(path.join(dir, 'nope.config.ts')),
    });
  });

  it('runs without a file when a target is given', async () => {
    const loaded = await loadConfig({ target: 'http://127.0.0.1:9' }, {}, tempDir());
    expect(loaded.file).toBeNull();
    expect(loaded.config.stack.kind).toBe('url');
  });

  it('reports a file that does not import', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'shakedown.config.ts'), 'export default {{ broken');
    await expect(loadConfig({}, {}, dir)).rejects.toMatchObject({ code: 'SHK_CONFIG_LOAD', exitCode: 2 });
  });

  it('reports a file without a default export', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'shakedown.config.ts'), 'export const x = 1;');
    await expect(loadConfig({}, {}, dir)).rejects.toMatchObject({
      code: 'SHK_CONFIG_LOAD',
      message: expect.stringContaining('export default defineConfig'),
    });
  });
});

describe('loopback safety rule', () => {
  it.each([
    'localhost',
    '127.0.0.1',
    '127.10.20.30',
    '::1',
    '[::1]',
    'api.localhost',
    '[::ffff:127.0.0.1]',
    '::ffff:7f00:1',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['example.com', '10.0.0.1', '192.168.1.10', '8.8.8.8', '::ffff:10.0.0.1', 'localhost.evil.test'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('refuses a non-loopback target, naming the option', () => {
    expect(() => assertLoadAllowed('https://staging.example.com', [], 'soak')).toThrow(
      expect.objectContaining({
        code: 'SHK_UNSAFE_TARGET',
        exitCode: 2,
        message: expect.stringContaining('target.loadAllowedHosts'),
      }),
    );
  });

  it('allows a host listed in target.loadAllowedHosts', () => {
    expect(() =>
      assertLoadAllowed('https://staging.example.com', ['staging.example.com'], 'soak'),
    ).not.toThrow();
  });

  it('allows loopback without any listing', () => {
    expect(() => assertLoadAllowed('http://127.0.0.1:8080', [], 'soak')).not.toThrow();
  });
});
