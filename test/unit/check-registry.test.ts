import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registeredChecks } from '../../src/check-catalog.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { enclosing, type Literal, type Scanned, scanLiterals } from '../helpers/ts-literals.ts';

/**
 * The registry is the one home of every check (src/run/checks.ts): each id is written once, in the
 * `defineCheck` call of the module that judges it, and every check is proven able to fail: by planted
 * faults of the reference target listed in FAULTS.md and asserted by a detection row under test/e2e,
 * or, for a check that judges the harness, another run or the spec, by an exemption that says why and
 * where it is proven instead.
 */

const ID_SHAPE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

// Dotted literals in src/ that are not check ids. Anything else of that shape must be a registered
// id: a new family of checks cannot slip past, whatever its prefix.
const NOT_CHECK_IDS: Record<string, string> = {
  'socket.io-client': 'an npm package',
  'com.docker.compose.service': "a Docker label of compose's containers",
  'target.exited': 'an event type and a target-lost kind',
  'target.unreachable': 'an event type and a target-lost kind',
  'contracts.auth': 'a config path, named in an error message',
  'voice.token-ttl': "an example of a user's check id, in an error message",
};
const FILE_EXTENSIONS = new Set(['ts', 'js', 'mjs', 'cjs', 'json', 'yaml', 'yml', 'log', 'env', 'ndjson']);
FILE_EXTENSIONS.add('html').add('xml').add('css').add('md').add('txt').add('pids');
const HTML_TAGS = new Set(['a', 'button', 'details', 'div', 'figure', 'li', 'section', 'span', 'summary']);
HTML_TAGS.add('table').add('td').add('th').add('tr').add('ul').add('p').add('svg').add('input');

/** Why a dotted literal is not a check id, or null when it must be one. */
function notAnId(text: string): string | null {
  const segments = text.split('.');
  if (text in NOT_CHECK_IDS) return NOT_CHECK_IDS[text];
  if (FILE_EXTENSIONS.has(segments.at(-1)!)) return 'a file name';
  if (segments.some((s) => /^\d+$/.test(s))) return 'an address or a version';
  if (HTML_TAGS.has(segments[0])) return 'a CSS selector';
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts') ? [file] : [];
  });
}

interface Found extends Literal {
  /** `src/…/file.ts:line`. */
  file: string;
  line: number;
  /** Inside a `defineCheck(import.meta.url, { id: … })` call, as its id. */
  declared: boolean;
}

const DECLARATION = /defineCheck\(\s*import\.meta\.url\s*,\s*\{\s*id\s*:\s*$/;

const checks = registeredChecks();
const registered = new Map(checks.map((c) => [c.id, c]));
const families = new Set(checks.map((c) => c.id.split('.')[0]));

const found: Found[] = [];
const builtIds: string[] = [];
for (const file of sourceFiles(path.join(REPO_ROOT, 'src'))) {
  const source = readFileSync(file, 'utf8');
  const relative = path.relative(REPO_ROOT, file);
  for (const literal of scanLiterals(source).literals) {
    if (literal.quote === '${' && /^[a-z0-9-]+\.[a-z0-9-]*$/.test(literal.text)) {
      // `family.${name}`: an id built at run time, which no search for the id finds.
      if (families.has(literal.text.split('.')[0])) builtIds.push(`${relative}: \`${literal.text}\${…}\``);
      continue;
    }
    if (literal.quote === '${' || !ID_SHAPE.test(literal.text)) continue;
    const before = source.slice(Math.max(0, literal.start - 80), literal.start);
    const line = source.slice(0, literal.start).split('\n').length;
    found.push({ ...literal, file: relative, line, declared: DECLARATION.test(before) });
  }
}

describe('the source scan', () => {
  it('reads string literals as a lexer does: not in comments, not confused by regular expressions', () => {
    const source = [
      "// 'in.comment'",
      "const quote = /'/; const a = 'rate-limit.enforced';",
      // A template with a substitution, written without one here.
      "/* 'block.comment' */ const b = `k6.check`; const c = `contract.$" + '{name}`;',
      "const d = \"he said 'x.y'\"; const e = x / 2 / 3 + 'after.division';",
    ].join('\n');
    const texts = scanLiterals(source).literals.map((l) => [l.text, l.quote]);
    expect(texts).toEqual([
      ['rate-limit.enforced', "'"],
      ['k6.check', '`'],
      ['contract.', '${'],
      ["he said 'x.y'", '"'],
      ['after.division', "'"],
    ]);
  });
});

describe('the check registry', () => {
  it('knows the built-in checks of every engine', () => {
    // Each family of checks the engines emit today; a family that disappears is a lost declaration.
    for (const family of ['contract', 'rate-limit', 'webhook', 'shutdown', 'soak', 'load', 'baseline'])
      expect(families, family).toContain(family);
    expect(checks.length).toBeGreaterThan(60);
  });

  it('finds every dotted literal of src/ either declared once with defineCheck or not an id at all', () => {
    const problems: string[] = [];
    const byText = new Map<string, Found[]>();
    for (const f of found) byText.set(f.text, [...(byText.get(f.text) ?? []), f]);
    for (const [text, places] of byText) {
      const where = places.map((p) => `${p.file}:${p.line}`).join(', ');
      if (!registered.has(text)) {
        if (places.some((p) => p.declared))
          problems.push(
            `${text}: declared in ${where} but not registered: import its module in src/check-catalog.ts`,
          );
        else if (!notAnId(text))
          problems.push(
            `${text} (${where}): not a registered check; declare it with defineCheck in the module that judges it, or, if it is no check id, list it in NOT_CHECK_IDS`,
          );
        continue;
      }
      if (places.length !== 1 || !places[0].declared)
        problems.push(
          `${text}: written ${places.length} times (${where}); write it once, in its defineCheck call, and use the Check elsewhere (\`xCheck.id\`, \`xCheck.fail(…)\`)`,
        );
    }
    for (const check of checks) {
      const declared = byText.get(check.id)?.find((p) => p.declared);
      if (!declared) problems.push(`${check.id}: registered, but no defineCheck call in src/ spells it`);
      else if (declared.file !== check.source)
        problems.push(`${check.id}: declared in ${declared.file}, but its source says ${check.source}`);
    }
    expect(problems).toEqual([]);
  });

  it('builds no id from a template string', () => {
    expect(builtIds).toEqual([]);
  });

  it('describes every check for docs/checks.md', () => {
    const problems = checks.flatMap((check) => [
      ...(check.title.trim() === '' || check.title.endsWith('.')
        ? [`${check.id}.title: ${check.title}`]
        : []),
      ...(['verifies', 'failsWhen', 'fix'] as const)
        .filter((key) => check[key].trim().length < 10)
        .map((key) => `${check.id}.${key}: ${JSON.stringify(check[key])}`),
    ]);
    expect(
      problems,
      'a title without a final stop; verifies, failsWhen and fix in a sentence or two',
    ).toEqual([]);
  });
});

// FAULTS.md: `| \`fault\` | what goes wrong | \`check.id\`, … |`.
function faultRows(): Map<string, Set<string>> {
  const rows = new Map<string, Set<string>>();
  const text = readFileSync(path.join(REPO_ROOT, 'examples/voice-api/FAULTS.md'), 'utf8');
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const fault = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!fault || cells.length < 5) continue;
    const ids = [...cells[3].matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((id) => ID_SHAPE.test(id));
    rows.set(fault, new Set(ids));
  }
  return rows;
}

// A detection row: the innermost bracket (an object, an array, a call, an `it` body) holding the
// fault's name that also holds the id; rows are short, so the search stops at MAX_ROW characters.
const MAX_ROW = 2_000;

interface TestFile {
  file: string;
  scanned: Scanned;
}

function e2eFiles(): TestFile[] {
  const dir = path.join(REPO_ROOT, 'test/e2e');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({
      file: `test/e2e/${name}`,
      scanned: scanLiterals(readFileSync(path.join(dir, name), 'utf8')),
    }));
}

function detectionRow(files: readonly TestFile[], fault: string, id: string): string | null {
  for (const { file, scanned } of files) {
    const ids = scanned.literals.filter((l) => l.text === id);
    for (const literal of scanned.literals.filter((l) => l.text === fault)) {
      for (const [open, close] of enclosing(scanned, literal.start)) {
        if (close - open > MAX_ROW) break;
        if (ids.some((l) => l.start > open && l.end <= close)) return `${file}@${open}`;
      }
    }
  }
  return null;
}

describe('every check about the target is proven by a planted fault', () => {
  const rows = faultRows();
  const files = e2eFiles();
  const proven = checks.flatMap((check) =>
    'faults' in check.proof ? check.proof.faults.map((fault) => [check.id, fault] as const) : [],
  );

  it('reads FAULTS.md and the detection rows', () => {
    expect(rows.size).toBeGreaterThan(40);
    expect(detectionRow(files, 'rate-limit-xff', 'rate-limit.xff-bypass')).not.toBeNull();
  });

  it.each(checks.map((c) => [c.id, c.proof] as const))('%s says how it is proven', (_id, proof) => {
    if ('faults' in proof) {
      expect(proof.faults.length).toBeGreaterThan(0);
    } else {
      // Why no planted fault can prove it, and the test file that proves it instead.
      const file = /\btest\/[\w./-]+\.test\.ts\b/.exec(proof.exempt)?.[0];
      expect(file, `"${proof.exempt}" names the test that proves it`).toBeDefined();
      expect(statSync(path.join(REPO_ROOT, file!)).isFile()).toBe(true);
    }
  });

  it.each(proven)('%s: FAULTS.md lists it for %s', (id, fault) => {
    expect(rows.has(fault), `${fault} is a row of FAULTS.md`).toBe(true);
    expect([...(rows.get(fault) ?? [])]).toContain(id);
  });

  it.each(proven)('%s: a detection row under test/e2e runs %s and names it', (id, fault) => {
    expect(detectionRow(files, fault, id), `a row of test/e2e holding '${fault}' and '${id}'`).not.toBeNull();
  });

  it('lists in FAULTS.md only registered checks, each proven by that fault', () => {
    const problems: string[] = [];
    for (const [fault, ids] of rows) {
      for (const id of ids) {
        const check = registered.get(id);
        if (!check) problems.push(`${fault}: ${id} is not a registered check`);
        else if (!('faults' in check.proof && check.proof.faults.includes(fault)))
          problems.push(`${fault}: ${id}'s proof does not name this fault`);
      }
    }
    expect(problems).toEqual([]);
  });
});
