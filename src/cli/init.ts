import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, type ExitCodeValue, ShakedownError } from '../errors.ts';
import { type ApiSpec, loadSpec } from '../openapi/load.ts';
import { classifySpecRef, resolveSpecFile } from '../openapi/source.ts';
import type { ParsedArgs } from './args.ts';
import { type InitPlan, inferPlan, renderFiles } from './init-templates.ts';

/**
 * `shakedown init [--spec <file|url|/path>] [--target <url>] [--force]`: writes a typed config, the
 * built-in scenarios with what the spec tells (POST routes, webhook receivers, health routes, the
 * auth scheme), a soak template, a GitHub Actions workflow, and `reports/` in .gitignore. Nothing is
 * written when anything is wrong: an unreadable spec, or a file that exists (without --force).
 */
export async function initCommand(args: ParsedArgs, out: (line: string) => void): Promise<ExitCodeValue> {
  if (args.positionals.length > 0) {
    throw new ShakedownError(
      'SHK_USAGE',
      `'shakedown init' takes no arguments, got '${args.positionals.join(' ')}'.`,
    );
  }
  const result = await runInit({
    cwd: process.cwd(),
    spec: args.flags.spec,
    target: args.flags.target,
    force: args.flags.force ?? false,
  });
  for (const file of result.written) out(`wrote ${file}`);
  if (result.gitignore) out(`added reports/ to ${result.gitignore}`);
  out('');
  out('Next:');
  out('  1. Fill in the TODOs in shakedown.config.ts and scenarios/ (limits, secrets, routes).');
  out('  2. npx shakedown contracts          # the API against its OpenAPI document');
  out('  3. npx shakedown run --profile quick # contracts, scenarios and a short soak');
  return ExitCode.Pass;
}

export interface InitOptions {
  cwd: string;
  spec?: string;
  target?: string;
  force: boolean;
}

export interface InitResult {
  /** Paths written, relative to cwd. */
  written: string[];
  /** The .gitignore that got `reports/`, or null when it had it already. */
  gitignore: string | null;
  plan: InitPlan;
}

export async function runInit(options: InitOptions): Promise<InitResult> {
  const { cwd } = options;
  if (options.target !== undefined && !/^https?:\/\/[^/]/i.test(options.target)) {
    throw new ShakedownError(
      'SHK_USAGE',
      `--target ${options.target}: expected an http(s) URL such as http://127.0.0.1:8000.`,
    );
  }
  const spec = options.spec ? await readSpec(options.spec, cwd, options.target) : null;
  const plan = inferPlan({
    spec,
    specRef: options.spec ? configSpecRef(options.spec, cwd) : undefined,
    target: options.target,
  });
  const files = renderFiles(plan);

  // Every check happens before the first write: either all files are written or none.
  if (!options.force) {
    const existing = Object.keys(files).filter((rel) => existsSync(path.join(cwd, rel)));
    if (existing.length > 0) {
      throw new ShakedownError(
        'SHK_INIT_EXISTS',
        `${existing.map((rel) => path.join(cwd, rel)).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Pass --force to overwrite, or move ${existing.length === 1 ? 'it' : 'them'} away.`,
      );
    }
  }
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(cwd, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(rel);
  }
  return { written, gitignore: addToGitignore(cwd), plan };
}

/** Loads the spec the way a run would, so a spec init accepts is one contracts accepts. */
async function readSpec(ref: string, cwd: string, target: string | undefined): Promise<ApiSpec> {
  const source = classifySpecRef(ref, cwd, target);
  if (source.kind === 'file') {
    if (!existsSync(source.file)) {
      throw new ShakedownError(
        'SHK_SPEC_INVALID',
        `${source.file}: the OpenAPI document does not exist; nothing was written. Pass --spec with the path of your spec (YAML or JSON), a URL, or a path on --target such as /openapi.json.`,
      );
    }
    return loadSpec(source.file, { displayRoot: cwd });
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'shakedown-init-'));
  try {
    const { file } = await resolveSpecFile(ref, { rootDir: cwd, baseUrl: target, saveDir: tmp });
    return await loadSpec(file, { displayRoot: cwd });
  } catch (error) {
    // For init a spec that cannot be fetched is unreadable input, like a missing file (exit 2).
    if (error instanceof ShakedownError && error.code === 'SHK_TARGET_UNREACHABLE') {
      throw new ShakedownError('SHK_SPEC_INVALID', `${error.message} Nothing was written.`, { cause: error });
    }
    throw error;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The spec as the config names it: a URL or target path as given, a file relative to the config. */
function configSpecRef(ref: string, cwd: string): string {
  const source = classifySpecRef(ref, cwd, 'http://placeholder.invalid');
  if (source.kind === 'url') return ref;
  const rel = path.relative(cwd, source.file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? source.file : rel.split(path.sep).join('/');
}

function addToGitignore(cwd: string): string | null {
  const file = path.join(cwd, '.gitignore');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => l === 'reports/' || l === 'reports' || l === '/reports' || l === '/reports/'))
    return null;
  const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
  writeFileSync(file, `${current}${prefix}# Shakedown run output\nreports/\n`);
  return '.gitignore';
}
