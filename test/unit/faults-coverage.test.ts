import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';

/**
 * "A check that cannot fail is a defect": every check id the engines can emit must be listed in
 * FAULTS.md against a planted fault of the reference target, whose e2e row proves the failure.
 * The exceptions judge the harness or other runs, not the target, and are proven elsewhere.
 */
const NOT_ABOUT_THE_TARGET: Record<string, string> = {
  'baseline.no-new-failures':
    'compares two runs (test/report/baseline.e2e.test.ts, rate-limit-off vs healthy)',
  'baseline.no-metric-regression':
    'compares two runs (test/report/baseline.e2e.test.ts, soak-stall vs healthy)',
  'contract.coverage': 'a warn for an operation never exercised (test/unit/contract)',
  'contract.spec-lint': 'warnings about the spec itself (test/unit/openapi/lint.test.ts)',
  'soak.generator-healthy': 'judges the load generator (test/e2e/soak.e2e.test.ts, starved generator)',
  'load.generator-healthy': 'judges the load generator (test/e2e/load.e2e.test.ts, starved generator)',
};

const CHECK_ID =
  /'((?:contract|rate-limit|webhook|shutdown|headers|cors|body-limit|health|auth|startup|soak|load|baseline)\.[a-z0-9-]+)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('every check has a planted fault', () => {
  const ids = new Set<string>();
  for (const file of sourceFiles(path.join(REPO_ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(CHECK_ID)) {
      // File names such as 'load.ts' (the k6 export's scripts) share the shape of an id.
      if (!/\.(ts|js|json|ya?ml)$/.test(match[1])) ids.add(match[1]);
    }
  }
  const faults = readFileSync(path.join(REPO_ROOT, 'examples/voice-api/FAULTS.md'), 'utf8');

  it('finds the check ids in the engines', () => {
    expect(ids.size).toBeGreaterThan(50);
  });

  it.each([...ids].sort().filter((id) => !(id in NOT_ABOUT_THE_TARGET)))(
    '%s is listed in FAULTS.md',
    (id) => {
      expect(faults).toContain(`\`${id}\``);
    },
  );
});
