import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliResult } from './cli.ts';
import { REPO_ROOT, runCommand, tempDir } from './cli.ts';

// A project that installed the packed `shakedown` tarball the way a user's project does, outside the
// repository, so nothing of the checkout is on its module path. npm runs offline: the tarballs of every
// dependency are in npm's cache from this repository's own install, and the project gets a lockfile cut
// from the repository's (an offline install cannot resolve version ranges: that needs the registry).

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

const repoManifest = (): Manifest => JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

export interface PackedShakedown {
  tarball: string;
  integrity: string;
  /** The package.json inside the tarball. */
  manifest: Manifest;
  sizeBytes: number;
  unpackedSizeBytes: number;
  files: string[];
}

/** `npm pack` of this repository (its prepack script builds dist/), into a fresh temporary directory. */
export function packShakedown(): PackedShakedown {
  const destination = tempDir('shakedown-pack-');
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The prepack build's own output comes first on stdout; npm's JSON report is the trailing array.
  const [report] = JSON.parse(output.slice(output.lastIndexOf('\n[') + 1)) as {
    filename: string;
    integrity: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  const tarball = path.join(destination, report.filename);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as Manifest;
  return {
    tarball,
    integrity: report.integrity,
    manifest,
    sizeBytes: report.size,
    unpackedSizeBytes: report.unpackedSize,
    files: report.files.map((f) => f.path),
  };
}

/**
 * A temporary project (outside the repository) with `shakedown` installed from the tarball, plus the
 * given dev dependencies at the versions this repository uses (e.g. typescript, vitest, supertest).
 */
export async function installedProject(
  packed: PackedShakedown,
  devDependencies: readonly string[] = [],
): Promise<string> {
  const dir = tempDir('shakedown-user-project-');
  const repoDev = repoManifest().devDependencies ?? {};
  const dev = Object.fromEntries(devDependencies.map((name) => [name, required(repoDev[name], name)]));
  const manifest: Manifest = {
    name: 'user-project',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { shakedown: `file:${packed.tarball}` },
    devDependencies: dev,
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    `${JSON.stringify(lockfileFor(manifest, packed), null, 2)}\n`,
  );
  const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
  if (install.code !== 0)
    throw new Error(`npm install in ${dir} failed:\n${install.stdout}\n${install.stderr}`);
  return dir;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not a dependency of this repository`);
  return value;
}

/** The repository's lockfile entries the project needs: shakedown's dependencies and the dev tools. */
function lockfileFor(project: Manifest, packed: PackedShakedown): object {
  const repoLock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, LockEntry> = {
    '': {
      name: project.name,
      version: project.version,
      dependencies: project.dependencies,
      devDependencies: project.devDependencies,
    },
  };
  const { name, version, dependencies, peerDependencies, peerDependenciesMeta, engines, bin, license } =
    packed.manifest;
  packages[`node_modules/${name}`] = {
    version,
    resolved: `file:${packed.tarball}`,
    integrity: packed.integrity,
    license,
    dependencies,
    peerDependencies,
    peerDependenciesMeta,
    bin,
    engines,
  };
  // Shakedown and the dev tools sit at the top of node_modules, as the repository's direct
  // dependencies do, so both resolve their dependencies from the repository's root.
  const queue: [from: string, dep: string, optional: boolean][] = [
    ...Object.keys(dependencies ?? {}).map((d): [string, string, boolean] => ['', d, false]),
    ...Object.keys(project.devDependencies ?? {}).map((d): [string, string, boolean] => ['', d, false]),
  ];
  while (queue.length > 0) {
    const [from, dep, optional] = queue.shift()!;
    const location = resolveIn(repoLock.packages, from, dep);
    if (location === undefined) {
      if (optional) continue;
      throw new Error(
        `${dep} (needed by ${from || 'the project'}) is not in the repository's package-lock.json`,
      );
    }
    if (packages[location]) continue;
    const { dev, devOptional, peer, ...entry } = repoLock.packages[location];
    packages[location] = entry;
    for (const d of Object.keys(entry.dependencies ?? {})) queue.push([location, d, false]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) queue.push([location, d, true]);
    for (const d of Object.keys(entry.peerDependencies ?? {}))
      queue.push([location, d, entry.peerDependenciesMeta?.[d]?.optional === true]);
  }
  return { name: project.name, version: project.version, lockfileVersion: 3, requires: true, packages };
}

/** Node's lookup: `<from>/node_modules/<dep>`, then each enclosing node_modules up to the root. */
function resolveIn(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[candidate] && !packages[candidate].link) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Runs a command in the project and collects its output (no shell; loopback-only work). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return runCommand(command, args, { ...options, env: { NO_COLOR: '1', ...options.env } });
}
