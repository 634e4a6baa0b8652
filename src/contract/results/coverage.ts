import type { Operation } from '../../openapi/operations.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import { opInfo, opTitle, type ResultContext, statusCounts, statusList } from './shared.ts';

export const coverageCheck = defineCheck(import.meta.url, {
  id: 'contract.coverage',
  title: 'Operations exercised',
  verifies:
    'Every operation of the spec answered a valid request successfully, so the other contract checks judged it on real answers; the run summary counts them.',
  failsWhen:
    'It warns, never fails, for an operation never sent (a hook skips it, the run stopped first) or never answered below 400 (no usable parameter values, or what it needs was never created).',
  fix: 'Give its parameters examples in the spec or values from a contract hook, add a link from the operation that creates what it needs, or fix the operation it depends on.',
  severity: 'advisory',
  proof: {
    exempt:
      'judges how far the run reached, not an answer of the target: test/e2e/contracts.e2e.test.ts (every operation exercised on the healthy target) and test/e2e/contracts-fixture.e2e.test.ts (a skipped operation warns)',
  },
});

export function coverageResult(ctx: ResultContext, op: Operation): CheckResult {
  const observations = ctx.run.observations.get(op) ?? [];
  const title = `${opTitle(op)}: coverage`;
  const evidence = { operation: opInfo(op), statuses: statusCounts(observations) };
  const result = (verdict: 'pass' | 'warn' | 'skip', message: string) =>
    coverageCheck.result(verdict, message, { title, evidence });
  const skipped = ctx.run.skipped.get(op);
  if (skipped) return result('warn', `never exercised: ${skipped}`);
  if (observations.length === 0 && ctx.stoppedEarly) return result('skip', ctx.stoppedEarly);
  if (observations.length === 0) return result('warn', 'never exercised: the run stopped before it');
  const succeeded = observations.some(
    (o) => (o.kind === 'positive' || o.kind === 'link') && (o.exchange.response?.status ?? 999) < 400,
  );
  if (!succeeded) {
    const positive = statusList(observations.filter((o) => o.kind === 'positive' || o.kind === 'link'));
    return result('warn', `never exercised successfully: positive requests got ${positive || 'no response'}`);
  }
  return result('pass', `exercised: ${statusList(observations)}`);
}

/** The whole spec's coverage: one result counting the operations exercised, with each one's statuses. */
export function coverageSummary(ctx: ResultContext): CheckResult {
  const operations: Record<string, unknown> = {};
  let exercised = 0;
  for (const op of ctx.spec.operations) {
    const result = coverageResult(ctx, op);
    if (result.verdict === 'pass') exercised++;
    operations[op.key] = {
      method: op.method,
      path: op.path,
      exercised: result.verdict === 'pass',
      statuses: (result.evidence as { statuses: unknown }).statuses,
      ...(result.verdict === 'pass' ? {} : { reason: result.message }),
    };
  }
  const total = ctx.spec.operations.length;
  const branches = Object.fromEntries([...ctx.run.branches].map(([k, v]) => [k, [...v].sort()]));
  return coverageCheck.result(
    exercised === total ? 'pass' : 'warn',
    `${exercised} of ${total} operations answered a positive request successfully`,
    {
      title: `coverage: ${exercised}/${total} operations of ${ctx.spec.displayFile} exercised`,
      evidence: { exercised, total, operations, oneOfBranches: branches },
    },
  );
}
