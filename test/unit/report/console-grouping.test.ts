import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../../src/report/reporters/console.ts';
import type { CheckResult, CheckVerdict, SuiteSummary } from '../../../src/run/model.ts';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
}

const check = (id: string, verdict: CheckVerdict, message: string): CheckResult =>
  ({ id, title: id, verdict, message, durationMs: 1 }) as CheckResult;

// What a 15-operation spec gives: many skips and warnings under a few check ids, one failure.
const RESULTS = [
  ...Array.from({ length: 12 }, (_, i) => check('contract.auth-enforced', 'skip', `op${i} is public`)),
  ...Array.from({ length: 9 }, (_, i) => check('contract.spec-lint', 'warn', `op${i} documents no 4xx`)),
  check('contract.coverage', 'warn', 'never exercised: listPets'),
  check('contract.response-schema', 'pass', 'ok'),
  check('contract.status-documented', 'fail', 'GET /pets answered 500'),
];

async function play(options: { verbose?: boolean; quiet?: boolean }): Promise<string[]> {
  const stream = new Collect();
  const report = consoleReporter({ stream, ...options });
  await report.onSuiteStart?.({ name: 'contracts', kind: 'contracts' });
  for (const result of RESULTS) await report.onCheck?.('contracts', result);
  await report.onSuiteEnd?.({
    name: 'contracts',
    kind: 'contracts',
    verdict: 'fail',
    durationMs: 1200,
    checks: RESULTS,
  } as unknown as SuiteSummary);
  return stream.lines;
}

describe('console reporter: warnings and skips grouped by check id', () => {
  it('prints one line per check id and verdict with a count, and every failure in full', async () => {
    const lines = await play({});
    expect(lines).toEqual([
      '▶ contracts contracts',
      '  ✗ contract.status-documented contract.status-documented: GET /pets answered 500',
      '  - contract.auth-enforced ×12 op0 is public (and 11 more like it; --verbose lists them)',
      '  ! contract.spec-lint ×9 op0 documents no 4xx (and 8 more like it; --verbose lists them)',
      '  ! contract.coverage never exercised: listPets',
      '◀ contracts fail · 1 passed, 1 failed, 10 warned, 12 skipped · 1.2s',
    ]);
  });

  it('--verbose prints every warning and skip as it comes', async () => {
    const lines = await play({ verbose: true });
    expect(lines.filter((l) => l.startsWith('  - contract.auth-enforced '))).toHaveLength(12);
    expect(lines.filter((l) => l.startsWith('  ! contract.spec-lint '))).toHaveLength(9);
    expect(lines.some((l) => l.includes('×'))).toBe(false);
  });

  it('--quiet prints neither', async () => {
    const lines = await play({ quiet: true });
    expect(lines).toEqual([
      '  ✗ contract.status-documented contract.status-documented: GET /pets answered 500',
    ]);
  });
});
