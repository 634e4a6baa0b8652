import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/run/model.ts';
import { PETS_API_KEY, type PetsFault, startPetsApi } from '../fixtures/openapi/pets-api.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { installedProject, type PackedShakedown, packShakedown, run } from '../helpers/installed-project.ts';

// Shakedown as a user gets it: `npm pack`, the tarball installed into a project outside the repository,
// that project's own spec, service, typed config and vitest test, and the CLI run from there, on the Node
// this suite runs on and on the oldest Node the package claims (engines: >=22.18).

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/openapi');
/** The oldest Node the package claims, installed by the test/node22 workspace. */
const NODE_22 = path.join(REPO_ROOT, 'test/node22/node_modules/node/bin/node');
const PROJECT_DEV_DEPENDENCIES = ['typescript', 'vitest', 'supertest', '@types/node', '@types/supertest'];

let packed: PackedShakedown;
let project: string;

beforeAll(async () => {
  packed = packShakedown();
  project = await setUpUserProject(packed);
}, 300_000);

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((api) => api.close()));
});

/**
 * The user's project: shakedown and the user's own dev tools installed, the service's spec and code
 * (the pets fixture, copied in), a typed config and a vitest test of the service's responses.
 */
async function setUpUserProject(pack: PackedShakedown): Promise<string> {
  const dir = await installedProject(pack, PROJECT_DEV_DEPENDENCIES);
  copyFileSync(path.join(FIXTURES, 'pets.openapi.yaml'), path.join(dir, 'pets.openapi.yaml'));
  mkdirSync(path.join(dir, 'src'));
  copyFileSync(path.join(FIXTURES, 'pets-api.ts'), path.join(dir, 'src/pets-api.ts'));
  write(dir, 'shakedown.config.ts', configSource('pets.openapi.yaml'));
  write(dir, 'tsconfig.json', tsconfig(['shakedown.config.ts', 'src', 'test']));
  write(dir, 'test/pets-api.test.ts', VITEST_TEST);
  return dir;
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const configSource = (spec: string) => `import { defineConfig } from 'shakedown';

export default defineConfig({
  target: {
    openapi: ${JSON.stringify(spec)},
    auth: { type: 'header', name: 'X-Api-Key', value: process.env.PETS_API_KEY ?? '' },
  },
  stack: { kind: 'url' },
  contracts: { timeoutMs: 2000 },
});
`;

/** skipLibCheck off by default: the package's own .d.ts files are checked as the user's tsc reads them. */
const tsconfig = (include: string[], skipLibCheck = false) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2023',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      skipLibCheck,
    },
    include,
  });

const VITEST_TEST = `import request from 'supertest';
import { useApiSpec } from 'shakedown/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PETS_API_KEY, type PetsFault, startPetsApi } from '../src/pets-api.ts';

useApiSpec('pets.openapi.yaml');
const faults = (process.env.PETS_FAULTS ?? '').split(',').filter(Boolean) as PetsFault[];
let api: Awaited<ReturnType<typeof startPetsApi>>;
beforeAll(async () => {
  api = await startPetsApi(faults);
});
afterAll(() => api.close());

it('GET /pets/1 answers as the spec says', async () => {
  const res = await request(api.url).get('/pets/1').set('X-Api-Key', PETS_API_KEY);
  expect(res.status).toBe(200);
  expect(res).toSatisfyApiSpec();
});
`;

/** PATH without this repository's node_modules/.bin, with the given Node first. */
function envWith(node: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const rest = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.startsWith(REPO_ROOT));
  return { PATH: [path.dirname(node), ...rest].join(path.delimiter), PETS_API_KEY, ...extra };
}

async function petsApi(faults: PetsFault[] = []): Promise<string> {
  const api = await startPetsApi(faults);
  opened.push(api);
  return api.url;
}

/** `npx shakedown <args>` in the project (or a folder of it), with the given Node first on PATH. */
function shakedown(args: string[], node = process.execPath, cwd = project, extraEnv: NodeJS.ProcessEnv = {}) {
  return run('npx', ['--no', 'shakedown', ...args], {
    cwd,
    env: envWith(node, extraEnv),
    timeoutMs: 120_000,
  });
}

/** The system's own Node when it is older than the package claims to need (Debian's is), else null. */
function olderSystemNode(): string | null {
  const node = '/usr/bin/node';
  if (!existsSync(node)) return null;
  const [major, minor] = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    .split('.')
    .map(Number);
  return major < 22 || (major === 22 && minor < 18) ? node : null;
}
const OLDER_NODE = olderSystemNode();

function latestSummary(): RunSummary {
  return JSON.parse(readFileSync(path.join(project, 'reports/latest/summary.json'), 'utf8')) as RunSummary;
}

const failedIds = (summary: RunSummary) =>
  summary.suites.flatMap((s) => s.checks.filter((c) => c.verdict === 'fail').map((c) => c.id));

describe('the packed package', () => {
  it('ships the build, its assets, README, the reference docs and LICENSE, and nothing of the repository', () => {
    const shipped = [
      'bin/shakedown.js',
      'package.json',
      'README.md',
      'LICENSE',
      'docs/checks.md',
      'docs/options.md',
    ];
    const outside = packed.files.filter((f) => !f.startsWith('dist/') && !shipped.includes(f));
    expect(outside).toEqual([]);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'docs/checks.md',
        'docs/options.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/vitest.js',
        'dist/vitest.d.ts',
        'dist/cli/main.js',
        'dist/soak/worker.js',
        'dist/report/html/client/report.js',
        'dist/report/html/client/report.css',
        'dist/report/schema/summary.schema.json',
      ]),
    );
    const { exports = {}, dependencies } = packed.manifest;
    expect(exports['.']).toMatchObject({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(exports['./vitest']).toMatchObject({ types: './dist/vitest.d.ts', default: './dist/vitest.js' });
    for (const name of ['express', 'helmet', 'pino', 'prom-client', 'redis', 'socket.io', 'testcontainers'])
      expect(dependencies, name).not.toHaveProperty(name);
  });

  it('installs into a project outside the repository, whose tsc checks the config against its types', async () => {
    expect(path.relative(REPO_ROOT, project).startsWith('..')).toBe(true);
    const tsc = path.join(project, 'node_modules/.bin/tsc');
    const good = await run(tsc, ['-p', 'tsconfig.json'], { cwd: project, env: envWith(process.execPath) });
    expect(good.code, good.stdout + good.stderr).toBe(0);

    // The types are real: a misspelt stack kind fails the user's type check, naming the file.
    write(project, 'bad/shakedown.config.ts', configSource('pets.openapi.yaml').replace("'url'", "'urll'"));
    write(project, 'bad/tsconfig.json', tsconfig(['shakedown.config.ts'], true));
    const bad = await run(tsc, ['-p', 'bad/tsconfig.json'], { cwd: project, env: envWith(process.execPath) });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(
      /bad\/shakedown\.config\.ts\(\d+,\d+\): error TS\d+: Type '"urll"' is not assignable to type '"url" \| "local" \| "compose"'/,
    );
  }, 180_000);

  it('exports the JSON Schema of summary.json to the project', async () => {
    const resolved = await run(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('shakedown/summary.schema.json'))"],
      { cwd: project },
    );
    expect(resolved.code, resolved.stderr).toBe(0);
    const file = fileURLToPath(resolved.stdout.trim());
    expect(file).toBe(path.join(project, 'node_modules/shakedown/dist/report/schema/summary.schema.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ type: 'object' });
  });

  it('`shakedown contracts` exits 0 on the healthy service', async () => {
    const url = await petsApi();
    const result = await shakedown(['contracts', '--target', url]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const summary = latestSummary();
    expect(summary.suites.flatMap((s) => s.checks).length).toBeGreaterThan(10);
    expect(failedIds(summary)).toEqual([]);
  }, 60_000);

  it('`shakedown contracts` exits 1 naming contract.response-schema on a mistyped field', async () => {
    const url = await petsApi(['age-as-text']);
    const result = await shakedown(['contracts', '--target', url]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(failedIds(latestSummary())).toEqual(['contract.response-schema']);
    expect(result.stdout).toContain('contract.response-schema');
  }, 60_000);

  it('`shakedown contracts` exits 2 on a broken spec, naming the file, the problem and its line', async () => {
    const url = await petsApi();
    write(project, 'broken.openapi.yaml', 'openapi: 3.0.3\ninfo: { title: broken }\npaths: {}\n');
    write(project, 'broken.config.ts', configSource('broken.openapi.yaml'));
    const result = await shakedown(['contracts', '--config', 'broken.config.ts', '--target', url]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    const problem = "broken.openapi.yaml: /info must have required property 'version' (line 2)";
    expect(result.stdout).toContain(problem);
    expect(latestSummary().error).toEqual({
      code: 'SHK_SPEC_INVALID',
      message: problem,
      exitCode: 2,
    });
  }, 60_000);

  it('the shakedown/vitest matcher passes on the healthy service and fails, with its message, on the fault', async () => {
    const vitest = path.join(project, 'node_modules/.bin/vitest');
    const healthy = await run(process.execPath, [vitest, 'run'], {
      cwd: project,
      env: envWith(process.execPath),
    });
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/Tests\s+1 passed/);

    const faulty = await run(process.execPath, [vitest, 'run'], {
      cwd: project,
      env: envWith(process.execPath, { PETS_FAULTS: 'age-as-text' }),
    });
    expect(faulty.code).toBe(1);
    expect(faulty.stdout + faulty.stderr).toContain(
      'the response does not satisfy pets.openapi.yaml:\nGET /pets/{petId} (getPet) → 200:\n' +
        '  response-schema: /age: must be integer or null, got string "unknown"',
    );
  }, 90_000);

  it('`--stack compose` without testcontainers says what to install (SHK_MISSING_DEPENDENCY, exit 2)', async () => {
    write(project, 'docker-compose.test.yml', 'services: {}\n');
    const result = await shakedown(['stack', 'up', '--stack', 'compose']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain('SHK_MISSING_DEPENDENCY');
    expect(result.stderr).toContain(
      `npm install --save-dev testcontainers@${packed.manifest.peerDependencies?.testcontainers}`,
    );
  }, 60_000);

  describe('`shakedown init` in a plain `npm init -y` package (CommonJS, no "type": "module")', () => {
    // A folder of the project with a package.json of its own, as `npm init -y` writes it: the
    // generated TypeScript config must load although the package is CommonJS.
    let app: string;
    const generated = [
      'shakedown.config.ts',
      'scenarios/hardening.scenario.ts',
      'scenarios/graceful-shutdown.scenario.ts',
      'soak/sessions.soak.ts',
      '.github/workflows/shakedown.yml',
    ];

    it('writes a typed config, scenarios, a soak template and a workflow that the project type-checks', async () => {
      app = path.join(project, 'app');
      write(app, 'package.json', JSON.stringify({ name: 'app', version: '1.0.0', main: 'index.js' }));
      copyFileSync(path.join(FIXTURES, 'pets.openapi.yaml'), path.join(app, 'pets.openapi.yaml'));
      const url = await petsApi();
      const init = await shakedown(['init', '--spec', 'pets.openapi.yaml', '--target', url], undefined, app);
      expect(init.code, init.stdout + init.stderr).toBe(0);
      for (const file of generated) expect(existsSync(path.join(app, file)), file).toBe(true);
      expect(readFileSync(path.join(app, '.gitignore'), 'utf8')).toContain('reports/');
      write(app, 'tsconfig.json', tsconfig(['shakedown.config.ts', 'scenarios', 'soak'], true));
      const tsc = await run(path.join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], {
        cwd: app,
        env: envWith(process.execPath),
      });
      expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    }, 180_000);

    it('runs `shakedown contracts` from the generated config: 0 healthy, 1 naming the check on the fault', async () => {
      const key = { SHAKEDOWN_API_KEY: PETS_API_KEY };
      const healthy = await shakedown(['contracts', '--target', await petsApi()], undefined, app, key);
      expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
      const faulty = await shakedown(
        ['contracts', '--target', await petsApi(['age-as-text'])],
        undefined,
        app,
        key,
      );
      expect(faulty.code, faulty.stdout + faulty.stderr).toBe(1);
      const summary = JSON.parse(
        readFileSync(path.join(app, 'reports/latest/summary.json'), 'utf8'),
      ) as RunSummary;
      expect(failedIds(summary)).toEqual(['contract.response-schema']);
    }, 120_000);

    it('refuses to run again over the files it wrote: exit 2, SHK_INIT_EXISTS, nothing changed', async () => {
      const before = generated.map((file) => readFileSync(path.join(app, file), 'utf8'));
      const again = await shakedown(['init', '--spec', 'pets.openapi.yaml'], undefined, app);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('SHK_INIT_EXISTS');
      expect(again.stderr).toContain('shakedown.config.ts');
      expect(generated.map((file) => readFileSync(path.join(app, file), 'utf8'))).toEqual(before);
    }, 60_000);
  });

  describe('on Node 22.18, the oldest Node it claims', () => {
    it('runs `shakedown contracts`: 0 healthy, 1 on the fault', async () => {
      expect(existsSync(NODE_22), `${NODE_22} is missing: npm ci installs it (workspace test/node22)`).toBe(
        true,
      );
      const version = await run(NODE_22, ['--version'], { cwd: project });
      expect(version.stdout.trim()).toBe('v22.18.0');
      const healthy = await shakedown(['contracts', '--target', await petsApi()], NODE_22);
      expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
      const faulty = await shakedown(['contracts', '--target', await petsApi(['age-as-text'])], NODE_22);
      expect(faulty.code, faulty.stdout + faulty.stderr).toBe(1);
      expect(failedIds(latestSummary())).toEqual(['contract.response-schema']);
    }, 120_000);
  });

  it.runIf(OLDER_NODE)(
    'on an older Node, names the Node found and the version needed, and no npm command',
    async () => {
      const node = OLDER_NODE!;
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      const result = await run(
        node,
        [path.join(project, 'node_modules/shakedown/bin/shakedown.js'), '--version'],
        {
          cwd: project,
        },
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `shakedown needs Node.js >= 22.18, but it was started with Node.js ${version} (${node}).\n` +
          'Install Node.js 22.18 or newer (https://nodejs.org, or nvm/fnm/volta) and put it first on PATH.\n',
      );
    },
  );
});
