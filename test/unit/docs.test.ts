import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatedDocs } from '../../scripts/docs.ts';
import { checkAnchor, registeredChecks } from '../../src/check-catalog.ts';
import { CONFIG_ENV_VARS } from '../../src/config/resolve.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

/**
 * docs/ is generated (`npm run docs`) from the check registry, the option schemas and their doc
 * comments, the CLI's help and the environment table: the committed files must be what the generator
 * writes today, so a new check, option or flag cannot reach users undocumented.
 */
describe('the generated reference in docs/', () => {
  let docs: Record<string, string>;
  beforeAll(async () => {
    docs = await generatedDocs(REPO_ROOT);
  }, 120_000);

  it.each(['docs/checks.md', 'docs/options.md'])('%s is up to date', (file) => {
    const committed = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    expect(committed === docs[file], `${file} is out of date: run npm run docs`).toBe(true);
  });

  it('gives every check its entry, at the anchor the HTML report links to', () => {
    const checks = docs['docs/checks.md'];
    for (const check of registeredChecks()) {
      expect(checks).toContain(
        `<a id="${checkAnchor(check.id)}"></a>\n\n### \`${check.id}\`: ${check.title}\n`,
      );
      for (const text of [check.verifies, check.failsWhen, check.fix]) expect(checks).toContain(text);
    }
  });

  it('describes every option, flag and environment variable', () => {
    const options = docs['docs/options.md'];
    const rows = options.split('\n').filter((line) => /^\| `[^`]+` \|/.test(line));
    expect(rows.length).toBeGreaterThan(150);
    const undescribed = rows.filter((row) => /\|\s*\|$/.test(row));
    expect(undescribed, 'add a doc comment to the option in its schema').toEqual([]);
    for (const name of Object.keys(CONFIG_ENV_VARS)) expect(options).toContain(`| \`${name}\` |`);
  });

  it('lists every SHAKEDOWN_* variable the config reads', () => {
    const source = readFileSync(path.join(REPO_ROOT, 'src/config/resolve.ts'), 'utf8');
    const read = new Set([...source.matchAll(/env\.(SHAKEDOWN_[A-Z0-9_]+)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(Object.keys(CONFIG_ENV_VARS).sort());
  });

  it('is linked from the README and shipped in the package', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/checks.md)');
    expect(readme).toContain('(docs/options.md)');
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(manifest.files).toContain('docs/');
    expect(manifest.scripts.docs).toBe('node scripts/docs.ts');
  });
});
