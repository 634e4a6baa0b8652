import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/cli/args.ts';
import { parseDurationSec } from '../../../src/config/duration.ts';
import { loadConfig, resolveConfig } from '../../../src/config/resolve.ts';
import { ShakedownError } from '../../../src/errors.ts';
import { classifySpecRef } from '../../../src/openapi/source.ts';
import { tempDir } from '../../helpers/cli.ts';

function usageError(argv: string[]): ShakedownError {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ShakedownError);
    return error as ShakedownError;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('k6-style durations', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15s', 15],
    ['15m', 900],
    ['1h', 3600],
    ['1m30s', 90],
    ['500ms', 0.5],
    ['2.5m', 150],
  ])('%s is %d s', (text, seconds) => {
    expect(parseDurationSec(text)).toBe(seconds);
  });

  it.each(['', '0', '0s', '-5s', '15x', 'm', '15 m', '1h-5m', 'abc'])('%j is not a duration', (text) => {
    expect(parseDurationSec(text)).toBeNull();
  });

  it('the CLI refuses a bad --duration, --sessions, --rate or --connections with SHK_USAGE', () => {
    expect(usageError(['soak', '--duration', '15x']).message).toBe(
      '--duration 15x: expected a duration such as 90 (seconds), 90s, 15m, 1h or 1m30s.',
    );
    expect(usageError(['soak', '--sessions', '0']).code).toBe('SHK_USAGE');
    expect(usageError(['load', '--connections', '2.5']).message).toContain('expected a positive integer');
    expect(usageError(['load', '--rate', 'fast']).message).toContain('requests per second');
  });
});

describe('zero-config flags map onto the config', () => {
  it('--duration 15s sets soak.durationSec and load.durationSec; --sessions, --rate, --connections their keys', () => {
    const { flags } = parseCliArgs([
      'run',
      '--duration',
      '15s',
      '--sessions',
      '7',
      '--rate',
      '50',
      '--connections',
      '4',
    ]);
    const config = resolveConfig({ soak: { durationSec: 900, sessions: 200 } }, flags);
    expect(config.soak.durationSec).toBe(15);
    expect(config.soak.sessions).toBe(7);
    expect(config.load).toMatchObject({ durationSec: 15, ratePerSec: 50, connections: 4 });
  });

  it('the flags win over the profile the config file sets', () => {
    const config = resolveConfig(
      { profiles: { quick: { soak: { durationSec: 60, sessions: 20 } } } },
      { profile: 'quick', duration: '2m', sessions: '3' },
    );
    expect(config.soak).toMatchObject({ durationSec: 120, sessions: 3 });
  });

  it('--spec sets target.openapi and contracts.spec, winning over both in the config', () => {
    const config = resolveConfig(
      { target: { openapi: 'a.yaml' }, contracts: { spec: 'b.yaml' } },
      { spec: 'http://127.0.0.1:8000/openapi.json' },
    );
    expect(config.target.openapi).toBe('http://127.0.0.1:8000/openapi.json');
    expect(config.contracts.spec).toBe('http://127.0.0.1:8000/openapi.json');
  });

  it('a relative --spec is relative to the working directory, a URL or target path is kept as typed', async () => {
    const cwd = tempDir();
    const flags = { target: 'http://127.0.0.1:9' };
    const file = await loadConfig({ ...flags, spec: './api/openapi.yaml' }, {}, cwd);
    expect(file.config.contracts.spec).toBe(path.join(cwd, 'api/openapi.yaml'));
    const onTarget = await loadConfig({ ...flags, spec: '/openapi.json' }, {}, cwd);
    expect(onTarget.config.contracts.spec).toBe('/openapi.json');
    const url = await loadConfig(
      {},
      { SHAKEDOWN_TARGET: 'http://127.0.0.1:9', SHAKEDOWN_OPENAPI: 'http://127.0.0.1:9/spec.yaml' },
      cwd,
    );
    expect(url.config.target.openapi).toBe('http://127.0.0.1:9/spec.yaml');
  });
});

describe('where a spec reference points', () => {
  it('http(s) URLs are fetched, even from SHAKEDOWN_OPENAPI (not read as a file path)', () => {
    expect(classifySpecRef('http://127.0.0.1:8000/openapi.json', '/repo', undefined)).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:8000/openapi.json',
      onTarget: false,
    });
  });

  it('a path starting with / that is not a file is fetched from the target (base path kept)', () => {
    expect(classifySpecRef('/openapi.json', '/repo', 'http://127.0.0.1:8000/api/')).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:8000/api/openapi.json',
      onTarget: true,
    });
  });

  it('an absolute path that is a file stays a file; a relative one is resolved against the root', () => {
    const dir = tempDir();
    const file = path.join(dir, 'openapi.yaml');
    writeFileSync(file, 'openapi: 3.0.3\n');
    expect(classifySpecRef(file, '/elsewhere', 'http://127.0.0.1:8000')).toEqual({ kind: 'file', file });
    expect(classifySpecRef('openapi.yaml', dir, undefined)).toEqual({ kind: 'file', file });
  });

  it('a target path without a target is bad input that says what to pass', () => {
    let error: unknown;
    try {
      classifySpecRef('/openapi.json', '/repo', undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShakedownError);
    expect((error as ShakedownError).code).toBe('SHK_SPEC_INVALID');
    expect((error as ShakedownError).message).toContain('Pass --target <url> to fetch /openapi.json');
  });
});
