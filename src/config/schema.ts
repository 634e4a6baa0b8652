import { z } from 'zod';
import { REPORTER_NAMES } from '../run/reporter.ts';
import { baselineConfigSchema } from './baseline.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './numbers.ts';
import {
  type composeServiceSchema,
  type composeStackSchema,
  type localStackSchema,
  stackSchema,
} from './stack-schema.ts';

/** A value or a function computing it (sync or async), e.g. a token minted per run. */
type Provider<T> = T | (() => T | Promise<T>);

const fn = <T>() =>
  z.custom<() => T | Promise<T>>((v) => typeof v === 'function', { message: 'expected a function' });
const stringOrProvider = z.union([z.string().min(1), fn<string>()]) as z.ZodType<Provider<string>>;

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    /** The token, or a function returning one (called again once after a 401). */
    token: stringOrProvider,
  }),
  z.strictObject({
    type: z.literal('header'),
    /** The header carrying the key, e.g. `X-Api-Key`; its value is redacted everywhere. */
    name: z.string().min(1),
    /** The key, or a function returning one. */
    value: stringOrProvider,
  }),
]);

const targetSchema = z.strictObject({
  /** The URL under test; set by the stack when Shakedown starts the target, else required (or `--target`). */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** socket.io URL when it differs from baseUrl. */
  socketUrl: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
  /** The OpenAPI document: a file (relative to the config), an http(s) URL, or a path on the target such as `/openapi.json`. */
  openapi: z.string().min(1).optional(),
  /** Credentials added to every request the harness makes; a function is called per run (and again after a 401). */
  auth: authSchema.optional(),
  /** Hosts other than loopback that load, soak and rate-limit traffic may target. */
  loadAllowedHosts: z.array(z.string().min(1)).default([]),
});

const thresholdEntry = z.union([
  z.string().min(1),
  z.strictObject({
    threshold: z.string().min(1),
    abortOnFail: z.boolean().default(false),
    delayAbortSec: nonNegativeInt.default(0),
  }),
]);
export const thresholdsSchema = z.record(z.string().min(1), z.array(thresholdEntry).nonempty());

const contractsSchema = z.strictObject({
  /** Run the contract suite (`run`, `contracts`). */
  enabled: z.boolean().default(true),
  /** OpenAPI document; defaults to target.openapi. */
  spec: z.string().min(1).optional(),
  /** Glob of contract hook files. */
  hooks: z.string().default('contracts/*.contract.ts'),
  /** Requests in flight at once. */
  concurrency: positiveInt.max(64).default(4),
  /** Per request; a request that takes longer fails its check. */
  timeoutMs: positiveInt.default(10_000),
  /** Seed of the generated request values: the same seed sends the same requests. */
  seed: nonNegativeInt.default(1),
  /** A body on a response the spec documents without `content` fails instead of warning. */
  strictBodies: z.boolean().default(false),
  /**
   * Auth the spec does not declare: with `required`, every operation without `security` must answer
   * 401/403 without credentials, except those matching an `except` glob ('GET /health*').
   */
  auth: z
    .strictObject({
      /** Every operation without `security` in the spec must refuse a request without credentials. */
      required: z.boolean(),
      /** Operations exempt, as `METHOD /path` globs ('GET /health*'). */
      except: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

const scenariosSchema = z.strictObject({
  /** Run the scenarios (`run`, `scenarios`). */
  enabled: z.boolean().default(true),
  /** Directory of `*.scenario.ts` scripts, relative to the config file. */
  dir: z.string().default('scenarios'),
  /** Names (file stems) to run; all when empty. */
  only: z.array(z.string().min(1)).default([]),
});

/** The generator's own health bounds (soak and load): a window is overloaded when one is exceeded. */
const generatorBoundsSchema = z.strictObject({
  /** The generator's event-loop delay p99 in a window; default 50. */
  maxEventLoopP99Ms: positiveNumber.optional(),
  /** The generator's CPU use in a window, in percent of one core (per thread); default 90. */
  maxCpuPct: positiveNumber.optional(),
  /** Overloaded windows allowed before the results are not trusted, in percent; default 10. */
  maxOverloadedWindowsPct: z.number().min(0).max(100).optional(),
});

/**
 * The soak's tuning, shared by the config's `soak` section and a soak script's `options` (the config
 * wins over the script). Unset values fall back to the script, then to the engine's defaults.
 */
export const soakTuningShape = {
  /** How long the soak runs (`--duration`); default: the script's, else 900 (15 minutes). */
  durationSec: positiveNumber.optional(),
  /** Concurrent sessions to hold (`--sessions`); default: the script's, else 10. */
  sessions: positiveInt.max(100_000).optional(),
  /** Sessions start spread over this; default min(10, warm-up). */
  rampUpSec: z.number().nonnegative().optional(),
  /** Sessions end spread over the last seconds; default 0. */
  rampDownSec: z.number().nonnegative().optional(),
  /** Events per second per session; default 2. */
  eventsPerSec: positiveNumber.max(1000).optional(),
  /** Excluded from latency, drift, leak and generator verdicts; default min(60, duration / 5). */
  warmupSec: z.number().nonnegative().optional(),
  /** Length of a metric window (the report's time series); default 10. */
  windowSec: positiveNumber.optional(),
  /** How long one session lives before it ends and a new one takes its slot; default 60. */
  sessionLifetimeSec: positiveNumber.optional(),
  /** An event not acknowledged within this time counts as lost; default 5000. */
  ackTimeoutMs: positiveInt.optional(),
  /** soak.no-event-loss: lost / sent may not exceed this; default 0. */
  maxLostRate: z.number().min(0).max(1).optional(),
  /** soak.no-unexpected-disconnects: disconnects the script did not ask for; default 0. */
  maxUnexpectedDisconnects: nonNegativeInt.optional(),
  /**
   * soak.memory-leak: fails when the slope exceeds the first and the growth over the run the second,
   * and the last third of the steady state still grows at ≥ `settleRatio` of the first third's rate
   * (less is settling: `warn` while still over the slope bound, else pass).
   */
  leak: z
    .strictObject({
      /** Default 1 MiB per minute. */
      maxSlopeBytesPerMin: positiveNumber.optional(),
      /** Growth of memory over the steady state, in percent; default 10. */
      maxGrowthPct: positiveNumber.optional(),
      /** Default 0.6. */
      settleRatio: z.number().gt(0).max(1).optional(),
    })
    .optional(),
  /** soak.latency-drift: last-fifth p95 over first-fifth p95, and the absolute change. */
  drift: z
    .strictObject({
      /** Last-fifth p95 over first-fifth p95; default 1.5. */
      maxFactor: positiveNumber.optional(),
      /** …and at least this much slower, in ms; default 5. */
      minDeltaMs: z.number().nonnegative().optional(),
    })
    .optional(),
  /** soak.generator-healthy: a window is overloaded when either bound is exceeded. */
  generator: generatorBoundsSchema.optional(),
  /** soak.sessions-held: allowed deviation of active sessions from the target, in percent. */
  sessionsHeldPct: z.number().min(0).max(100).optional(),
  /**
   * Spread the sessions' HTTP requests over this many loopback source addresses (127.250.x.y, one per
   * slot), so a per-IP rate limiter sees distinct callers as it would in production. Ignored (with a
   * warning) for a target not on loopback or a system that does not route 127.0.0.0/8. 0 (default): off.
   */
  loopbackSources: nonNegativeInt.max(65_000).optional(),
};

const soakSchema = z.strictObject({
  /** Run the soak (`run`, `soak`). */
  enabled: z.boolean().default(true),
  /** The soak script (`defineSoak`), relative to the config file. */
  script: z.string().default('soak/voice-sessions.soak.ts'),
  ...soakTuningShape,
  /** Worker threads generating the sessions (`--workers`). */
  workers: positiveInt.max(64).default(1),
  /** Prometheus endpoint on the target used for server resources; `false` to sample by PID only. */
  metricsPath: z.union([z.string().min(1), z.literal(false)]).default('/metrics'),
});

const loadRouteSchema = z.strictObject({
  /** The `route` tag of its metrics; default `${method} ${path}`. */
  name: z.string().min(1).optional(),
  /** HTTP method, any case. */
  method: z
    .string()
    .regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method such as GET' })
    .transform((m) => m.toUpperCase())
    .default('GET'),
  /** Path template on the target, e.g. '/v1/sessions/{id}'; must be an operation of the spec when there is one. */
  path: z.string().startsWith('/', { error: 'expected a path starting with /' }),
  /** Values for the template's {params}; other names become query parameters. Else from the spec's examples. */
  params: z.record(z.string(), z.string()).optional(),
  /** Request body; an object is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /** Sent with every request of the route, besides the target's credentials. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Share of the requests: weight / sum of weights. */
  weight: positiveNumber.default(1),
});

const loadStageSchema = z.strictObject({
  /** How long the stage ramps. */
  durationSec: positiveNumber,
  /** The rate reached (linearly) at the end of the stage; 0 ramps down. */
  ratePerSec: z.number({ error: 'expected a number ≥ 0' }).nonnegative({ error: 'expected a number ≥ 0' }),
});

const loadSchema = z
  .strictObject({
    /** Run the load test (`run`, `load`). */
    enabled: z.boolean().default(true),
    /** How long the load runs (`--duration`). */
    durationSec: positiveNumber.default(30),
    /** Closed model: stop after this many requests (or durationSec, whichever comes first). */
    requests: positiveInt.optional(),
    /** Closed model: concurrent connections, each sending its next request when the last is answered. */
    connections: positiveInt.max(10_000).default(10),
    /** Closed model: requests sent on a connection before the first answer (HTTP pipelining). */
    pipelining: positiveInt.max(100).default(1),
    /** Open-model arrival rate; closed model when neither this nor stages is set. */
    ratePerSec: positiveNumber.max(1_000_000).optional(),
    /** Open model, ramping (k6 ramping-arrival-rate): from ratePerSec (or 0) to each stage's rate in turn. */
    stages: z.array(loadStageSchema).nonempty().optional(),
    /** Open model: requests in flight at most; one due while the bound is reached is dropped (counted). */
    maxInFlight: positiveInt.default(1000),
    /** Open model: connections the pool may open. */
    maxConnections: positiveInt.max(10_000).default(100),
    /** Validate 1 response in N against the spec, off the hot path (0 = off). */
    validate: nonNegativeInt.default(100),
    /** Length of a metric window (the report's time series). */
    windowSec: positiveNumber.default(5),
    /** Excluded from latency, drift and generator verdicts. */
    warmupSec: z.number().nonnegative().default(0),
    /** Worker threads generating the load (`--workers`). */
    workers: positiveInt.max(64).default(1),
    /** load.generator-healthy: a window is overloaded when a bound is exceeded (defaults as the soak's). */
    generator: generatorBoundsSchema.optional(),
    /** k6 thresholds on the load metrics, judged with the config's top-level ones. */
    thresholds: thresholdsSchema.optional(),
    /** The request mix; when empty, the spec's GET operations. */
    routes: z.array(loadRouteSchema).default([]),
  })
  .refine((load) => !(load.stages && load.requests !== undefined), {
    error: 'requests applies to the closed model; drop it or drop stages',
    path: ['requests'],
  });

const sectionsShape = {
  target: targetSchema.default({ loadAllowedHosts: [] }),
  stack: stackSchema.default({ kind: 'url' }),
  contracts: contractsSchema.default(contractsSchema.parse({})),
  scenarios: scenariosSchema.default(scenariosSchema.parse({})),
  soak: soakSchema.default(soakSchema.parse({})),
  load: loadSchema.default(loadSchema.parse({})),
  /**
   * k6 thresholds by metric, e.g. `{ event_rtt_ms: ['p(95)<150'] }`; an entry is a threshold or
   * `{ threshold, abortOnFail, delayAbortSec }`. A failed one fails the run.
   */
  thresholds: thresholdsSchema.default({}),
  /** Outputs of a run (`--reporter`): the console, summary.json, junit.xml and index.html. */
  reporters: z.array(z.enum(REPORTER_NAMES)).nonempty().default(['console', 'json', 'junit', 'html']),
  /** How much worse than `--baseline` a percentile or rate may get before it is a regression. */
  baseline: baselineConfigSchema.default(baselineConfigSchema.parse({})),
  /** Named secret values: redacted from everything the run writes, available to scripts. */
  secrets: z.record(z.string(), z.string()).default({}),
  /** Run output directory. */
  out: z.string().min(1).default('reports'),
  /** `quick` (a short soak, for pull requests) or `full` (the 15-minute soak), as `--profile`. */
  profile: z.enum(['quick', 'full']).default('full'),
};

export const configSchema = z.strictObject({
  ...sectionsShape,
  /** Overrides merged over the rest for each profile, e.g. `{ quick: { soak: { durationSec: 60 } } }`. */
  profiles: z
    .strictObject({
      quick: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'Merged over the rest of the config with `--profile quick` (the default profile is `full`).',
        ),
      full: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Merged over the rest of the config with `--profile full`.'),
    })
    .default({}),
});

export type ResolvedConfig = z.output<typeof configSchema>;
export type LocalStackConfig = z.output<typeof localStackSchema>;
export type ComposeStackConfig = z.output<typeof composeStackSchema>;
export type ComposeServiceConfig = z.output<typeof composeServiceSchema>;
export type StackConfig = z.output<typeof stackSchema>;
export type AuthConfig = z.output<typeof authSchema>;
export type ThresholdsConfig = z.output<typeof thresholdsSchema>;
export type SoakConfig = z.output<typeof soakSchema>;
export type LoadConfig = z.output<typeof loadSchema>;
export type LoadRouteConfig = z.output<typeof loadRouteSchema>;
export type ProfileName = ResolvedConfig['profile'];

type DeepPartial<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly U[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** What a config file may contain: every section optional, defaults filled in at resolution. */
export type ShakedownConfig = Omit<z.input<typeof configSchema>, 'profiles'> & {
  profiles?: Partial<
    Record<ProfileName, DeepPartial<Omit<z.input<typeof configSchema>, 'profiles' | 'profile'>>>
  >;
};
