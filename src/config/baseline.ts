import { z } from 'zod';
import type { BaselineTolerances } from '../run/model.ts';

const nonNegative = z
  .number({ error: 'expected a number ≥ 0' })
  .nonnegative({ error: 'expected a number ≥ 0' });

/**
 * The config's `baseline` section: how much worse a number may get before `--baseline` calls it a
 * regression. Both latency tolerances must be exceeded, so a 1 ms → 2 ms p95 is not a regression.
 */
export const baselineConfigSchema = z.strictObject({
  /** The latency percentiles compared. */
  percentiles: z
    .array(z.enum(['p50', 'p90', 'p95', 'p99']))
    .nonempty()
    .default(['p95', 'p99']),
  /** A percentile may grow by this many percent… */
  latencyPct: nonNegative.default(10),
  /** …and by this many milliseconds, before it is a regression. */
  latencyMs: nonNegative.default(5),
  /** An error or loss rate may grow by this many percentage points. */
  ratePctPoints: nonNegative.default(0.1),
});

export const DEFAULT_TOLERANCES: BaselineTolerances = baselineConfigSchema.parse({});
