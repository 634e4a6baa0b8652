import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';

/**
 * Short modules: a file under src/ over MAX_LINES lines says why in its header (a line
 * `// Over 350 lines because …`, or the same words in its top comment), so a long file is a decision
 * someone wrote down, not an accident nobody noticed.
 */
const MAX_LINES = 350;
const HEADER_LINES = 20;
const REASON = /Over 350 lines because \S/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : /\.[cm]?ts$/.test(name) ? [file] : [];
  });
}

describe('source file size', () => {
  const files = sourceFiles(path.join(REPO_ROOT, 'src')).map((file) => {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { file: path.relative(REPO_ROOT, file), lines };
  });

  it('reads the sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`has no file over ${MAX_LINES} lines without a reason in its header`, () => {
    const unexplained = files
      .filter(({ lines }) => lines.length > MAX_LINES)
      .filter(({ lines }) => !REASON.test(lines.slice(0, HEADER_LINES).join('\n')))
      .map(({ file, lines }) => `${file}: ${lines.length} lines`);
    expect(unexplained, 'split them, or say why in a header line "// Over 350 lines because …"').toEqual([]);
  });
});
