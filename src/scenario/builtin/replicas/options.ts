import { z } from 'zod';
import type { ScenarioContext } from '../../define.ts';

const path = z.string().startsWith('/', { error: 'expected a path starting with /' });
const seconds = (max: number) => z.number().positive().max(max);
const count = (max: number) => z.int({ error: 'expected an integer' }).min(0).max(max);

const sharedLimitSchema = z.strictObject({
  /** HTTP method of the rate-limited route. */
  method: z.string().min(1).default('POST'),
  /** A rate-limited route, keyed on the client address. */
  path: path.default('/v1/sessions'),
  /** Sent as JSON with every request. */
  body: z.unknown().default({}),
  /** Requests the stack allows one client per window, as documented. */
  limit: z.int().positive().max(1_000).default(10),
});

const rollingRestartSchema = z.strictObject({
  /** Requested back to back on each keep-alive connection; slow enough that requests are always in flight. */
  loadPath: path.default('/v1/slow?ms=300'),
  /** Keep-alive connections requesting `loadPath` through the load balancer during the restarts. */
  connections: count(32).default(4),
  /** socket.io namespace whose sessions must survive the restarts; null for a target without socket.io. */
  socketNamespace: path.nullable().default('/voice'),
  /** The socket.io `auth` payload for one session, e.g. `{ token }` from the target's token route. */
  socketAuth: z
    .custom<(ctx: ScenarioContext) => Promise<Record<string, unknown>>>((v) => typeof v === 'function', {
      error: 'expected an async function returning the auth payload',
    })
    .optional(),
  /** socket.io sessions held through the restarts. */
  socketClients: count(50).default(3),
  /** A session cut by a restart must be connected again this soon. */
  reconnectWithinSec: seconds(120).default(10),
  /** SIGTERM to exit; past it the replica is killed and the check fails. */
  graceSec: seconds(600).default(30),
  /** A restarted replica must be ready again this soon. */
  readyWithinSec: seconds(600).default(60),
  /** Pause after a replica is back, so the load balancer has it in rotation before the next goes down. */
  settleSec: z.number().min(0).max(60).default(1),
});

const readinessSchema = z.strictObject({
  /** Every replica must report the outage on its ready path this soon after the dependency stops. */
  withinSec: seconds(300).default(10),
  /** …and be ready again this soon after it is back. */
  recoverWithinSec: seconds(600).default(30),
});

export const replicasOptionsSchema = z.strictObject({
  /** Replica services to act on, in restart order; default: the stack's services with role `replica`. */
  replicas: z.array(z.string().min(1)).min(2, 'expected at least two replicas').optional(),
  /** The dependency to stop for readiness; default: the stack's first service with role `dependency`. */
  dependency: z.string().min(1).optional(),
  /** Each replica's readiness route. */
  readyPath: path.default('/readyz'),
  /** Each replica's liveness route. */
  livePath: path.default('/livez'),
  /** `rate-limit.shared-across-replicas`; false to skip it. */
  sharedLimit: z.union([sharedLimitSchema, z.literal(false)]).default(sharedLimitSchema.parse({})),
  /** `shutdown.rolling-restart`; false to skip it. */
  rollingRestart: z.union([rollingRestartSchema, z.literal(false)]).default(rollingRestartSchema.parse({})),
  /** `health.ready-tracks-dependencies`; false to skip it. */
  readiness: z.union([readinessSchema, z.literal(false)]).default(readinessSchema.parse({})),
  /** Upper bound for one check, in seconds (default 600: restarts take a while): a hung stack is a finding, never a hung run. */
  checkTimeoutSec: z.number().positive().max(3_600).optional(),
});

export type ReplicasScenarioOptions = z.input<typeof replicasOptionsSchema>;
export type ReplicasOptions = z.output<typeof replicasOptionsSchema>;
export type SharedLimitOptions = z.output<typeof sharedLimitSchema>;
export type RollingRestartOptions = z.output<typeof rollingRestartSchema>;
export type ReadinessOptions = z.output<typeof readinessSchema>;
