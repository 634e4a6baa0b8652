import type { HttpClient } from '../../http/client.ts';
import type { ApiSpec } from '../../openapi/load.ts';
import type { Operation } from '../../openapi/operations.ts';
import type { CheckResult } from '../../run/model.ts';
import type { ContractRun, MethodProbe } from '../run.ts';
import { authResult } from './auth-enforced.ts';
import { coverageResult, coverageSummary } from './coverage.ts';
import { customResults } from './custom.ts';
import { linkResults } from './links.ts';
import { methodProbeResult } from './method-not-allowed.ts';
import { negativeResult } from './negative-rejected.ts';
import { responseResults } from './response.ts';
import type { ResultContext } from './shared.ts';

export { opTitle } from './shared.ts';
export { lintResults, undocumentedBodyLint } from './spec-lint.ts';

/**
 * Turns what a contract run observed into check results: one per operation and check id. Each check
 * family lives in its own module beside this one, named for its id (`contract.links` in `links.ts`).
 */
export class ContractResults {
  readonly #ctx: ResultContext;

  /** `stoppedEarly`: why operations without observations were never sent, if the run stopped early. */
  constructor(spec: ApiSpec, http: HttpClient, run: ContractRun, stoppedEarly?: string) {
    this.#ctx = { spec, http, run, stoppedEarly };
  }

  forOperation(op: Operation): CheckResult[] {
    const observations = this.#ctx.run.observations.get(op) ?? [];
    if (observations.length === 0) return [];
    return [
      ...responseResults(this.#ctx, op, observations),
      negativeResult(this.#ctx, op, observations),
      authResult(this.#ctx, op, observations),
      ...customResults(this.#ctx, op, observations),
    ];
  }

  links(op: Operation): CheckResult[] {
    return linkResults(this.#ctx, op);
  }

  coverage(op: Operation): CheckResult {
    return coverageResult(this.#ctx, op);
  }

  summary(): CheckResult {
    return coverageSummary(this.#ctx);
  }

  methodProbe(probe: MethodProbe): CheckResult {
    return methodProbeResult(this.#ctx, probe);
  }
}
