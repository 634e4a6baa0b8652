import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';

/**
 * The import directions of `src/`, enforced (the README's "Architecture" paragraph says the same).
 * Each folder (or top-level file) lists what it may import besides itself; anything else is an arrow
 * going the wrong way. `run/` is the bottom layer: the results model, check registry, recorder, run
 * directory and redaction, which every other part may use.
 */
const BASE = ['errors', 'optional-import'];
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  'optional-import': ['errors'],
  run: ['errors'],
  metrics: ['run', ...BASE],
  openapi: ['run', ...BASE],
  report: ['run', 'metrics', ...BASE],
  config: ['run', 'metrics', 'openapi', ...BASE],
  http: ['run', 'config', ...BASE],
  stack: ['run', 'config', 'http', ...BASE],
  'engine-context': ['run', 'config', 'http', 'stack'],
  contract: ['engine-context', 'run', 'config', 'http', 'openapi', 'metrics', ...BASE],
  scenario: ['engine-context', 'run', 'config', 'http', 'openapi', 'metrics', 'stack', ...BASE],
  soak: ['engine-context', 'run', 'config', 'http', 'metrics', 'stack', ...BASE],
  // The load engine samples the server, tracks thresholds and watches its own generator with the
  // soak engine's parts; it never imports the soak engine itself.
  load: ['engine-context', 'run', 'config', 'http', 'openapi', 'metrics', 'soak', ...BASE],
  'engine-registry': ['engine-context', 'contract', 'scenario', 'soak', 'load'],
  runner: [
    'engine-context',
    'engine-registry',
    'run',
    'report',
    'config',
    'http',
    'stack',
    'scenario',
    ...BASE,
  ],
  k6: [
    'engine-context',
    'run',
    'report',
    'config',
    'openapi',
    'metrics',
    'contract',
    'load',
    'soak',
    'runner',
    ...BASE,
  ],
  cli: ['*'],
  'check-catalog': ['*'],
  index: ['*'],
  vitest: ['contract', 'openapi', 'run', ...BASE],
};

const SRC = path.join(REPO_ROOT, 'src');
const IMPORT =
  /(?:^|\n)\s*(?:import|export)[^;'"]*?(?:from\s*)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.ts$/.test(name) ? [file] : [];
  });
}

/** `src/soak/engine.ts` → `soak`; `src/runner.ts` → `runner`. */
function layerOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

interface Arrow {
  from: string;
  to: string;
  where: string;
}

function importArrows(file: string, text = readFileSync(file, 'utf8')): Arrow[] {
  return [...text.matchAll(IMPORT)].flatMap((match) => {
    const target = path.resolve(path.dirname(file), match[1] ?? match[2]);
    if (!target.startsWith(SRC + path.sep)) return [];
    const from = layerOf(file);
    const to = layerOf(target);
    return from === to ? [] : [{ from, to, where: `${path.relative(REPO_ROOT, file)} → ${to}` }];
  });
}

const goesTheWrongWay = ({ from, to }: Arrow) =>
  !ALLOWED[from]?.includes('*') && !ALLOWED[from]?.includes(to);

describe('import directions in src/', () => {
  const files = sourceFiles(SRC);
  const arrows = files.flatMap((file) => importArrows(file));

  it('knows every layer of src/', () => {
    const layers = new Set(files.map(layerOf));
    expect([...layers].filter((layer) => !(layer in ALLOWED))).toEqual([]);
  });

  it('finds the imports it judges', () => {
    // A regex that stopped matching would make every arrow "allowed".
    expect(arrows.filter((a) => a.from === 'cli').length).toBeGreaterThan(20);
    expect(arrows.some((a) => a.from === 'report' && a.to === 'run')).toBe(true);
  });

  it('has no arrow going the wrong way', () => {
    expect(arrows.filter(goesTheWrongWay).map((a) => a.where)).toEqual([]);
  });

  it('catches a planted wrong arrow, static or dynamic', () => {
    const planted = path.join(SRC, 'run', 'planted.ts');
    const text =
      "import { htmlReporter } from '../report/html/reporter.ts';\nawait import('../soak/engine.ts');";
    expect(
      importArrows(planted, text)
        .filter(goesTheWrongWay)
        .map((a) => a.to),
    ).toEqual(['report', 'soak']);
  });
});
