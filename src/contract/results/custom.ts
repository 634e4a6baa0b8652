import type { Operation } from '../../openapi/operations.ts';
import type { CheckResult } from '../../run/model.ts';
import type { Observation } from '../run.ts';
import { failure, opInfo, opTitle, plural, type ResultContext } from './shared.ts';

/**
 * The user's own checks from contract hooks (`checks: { 'voice.token-ttl': fn }`): their ids are the
 * user's, not built-in checks, so they are not in the registry; one result per id and operation.
 */
export function customResults(ctx: ResultContext, op: Operation, observations: Observation[]): CheckResult[] {
  const ids = [...new Set(observations.flatMap((o) => o.custom?.map((c) => c.id) ?? []))];
  return ids.map((id) => {
    const title = `${opTitle(op)}: ${id}`;
    const runs = observations.filter((o) => o.custom?.some((c) => c.id === id));
    const problems = runs
      .map((o) => ({ o, errors: o.custom!.find((c) => c.id === id)!.problems }))
      .filter((p) => p.errors.length > 0);
    if (problems.length > 0) {
      const { message, evidence } = failure(ctx.http, op, runs.length, problems);
      return { id, title, verdict: 'fail' as const, message, evidence };
    }
    return {
      id,
      title,
      verdict: 'pass' as const,
      message: `${plural(runs.length, 'response')} passed the custom check`,
      evidence: { operation: opInfo(op) },
    };
  });
}
