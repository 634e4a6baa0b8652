import type { ScenarioDefinition } from '../../define.ts';
import { parseScenarioOptions } from '../options.ts';
import { type ReplicasScenarioOptions, replicasOptionsSchema } from './options.ts';
import { readyTracksDependencies, readyTracksDependenciesCheck } from './ready-dependencies.ts';
import { rollingRestart, rollingRestartCheck } from './rolling-restart.ts';
import { sharedLimit, sharedLimitCheck } from './shared-limit.ts';
import { findTopology } from './topology.ts';

export type { ReplicasScenarioOptions } from './options.ts';

// A rolling restart waits for exits and readiness; its own bounds (graceSec, readyWithinSec) apply first.
const DEFAULT_CHECK_TIMEOUT_SEC = 600;

/**
 * What only a stack of several replicas behind a load balancer can show (the compose stack): a rate
 * limit shared by the replicas, a rolling restart nobody notices, readiness that follows Redis. On
 * any other stack every check is skipped with the reason. Checks run in that order, the Redis outage
 * last; the stack is whole again after each.
 */
export function replicasScenario(options: ReplicasScenarioOptions = {}): ScenarioDefinition {
  const o = parseScenarioOptions('replicasScenario', replicasOptionsSchema, options);
  return {
    name: 'replicas',
    // The shared-limit check bursts past the quota through the load balancer.
    sendsBursts: true,
    options: { checkTimeoutSec: o.checkTimeoutSec ?? DEFAULT_CHECK_TIMEOUT_SEC },
    async run(ctx) {
      const topology = findTopology(ctx, o);
      const cannot = (key: 'sharedLimit' | 'rollingRestart' | 'readiness') =>
        typeof topology === 'string'
          ? topology
          : o[key] === false
            ? `disabled in the scenario options (${key}: false)`
            : '';
      const { sharedLimit: limit, rollingRestart: rolling, readiness } = o;
      await ctx.check(sharedLimitCheck, async (c) =>
        typeof topology === 'string' || !limit
          ? c.skip(cannot('sharedLimit'))
          : sharedLimit(ctx, c, topology, limit),
      );
      await ctx.check(rollingRestartCheck, async (c) =>
        typeof topology === 'string' || !rolling
          ? c.skip(cannot('rollingRestart'))
          : rollingRestart(ctx, c, topology, rolling, o.readyPath),
      );
      await ctx.check(readyTracksDependenciesCheck, async (c) =>
        typeof topology === 'string' || !readiness
          ? c.skip(cannot('readiness'))
          : readyTracksDependencies(ctx, c, topology, readiness, o),
      );
    },
  };
}
