import { z } from 'zod';
import { REPORTER_NAMES } from '../report/reporters/index.ts';

/** A value or a function computing it (sync or async), e.g. a token minted per run. */
type Provider<T> = T | (() => T | Promise<T>);

const fn = <T>() =>
  z.custom<() => T | Promise<T>>((v) => typeof v === 'function', { message: 'expected a function' });
const stringOrProvider = z.union([z.string().min(1), fn<string>()]) as z.ZodType<Provider<string>>;

// Messages in the words the README uses: `soak.sessions: expected a positive integer, got -3`.
const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
const nonNegativeInt = z
  .number({ error: 'expected an integer ≥ 0' })
  .int({ error: 'expected an integer ≥ 0' })
  .nonnegative({ error: 'expected an integer ≥ 0' });
const positiveNumber = z
  .number({ error: 'expected a positive number' })
  .positive({ error: 'expected a positive number' });

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    /** The token, or a function returning one (called again once after a 401). */
    token: stringOrProvider,
  }),
  z.strictObject({
    type: z.literal('header'),
    name: z.string().min(1),
    value: stringOrProvider,
  }),
]);

const targetSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** socket.io URL when it differs from baseUrl. */
  socketUrl: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
  openapi: z.string().min(1).optional(),
  auth: authSchema.optional(),
  /** Hosts other than loopback that load, soak and rate-limit traffic may target. */
  loadAllowedHosts: z.array(z.string().min(1)).default([]),
});

const localStackSchema = z.strictObject({
  kind: z.literal('local'),
  /** argv array (no shell) or a shell command line. `node` means the Node running Shakedown. */
  command: z.union([z.array(z.string().min(1)).nonempty(), z.string().min(1)]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  /** Port for the target; `auto` picks a free loopback port and passes it as `PORT`. */
  port: z.union([z.literal('auto'), positiveInt.max(65535)]).default('auto'),
  host: z.string().default('127.0.0.1'),
  /** Path (on baseUrl) or absolute URL polled until it answers 2xx. */
  readyUrl: z.string().default('/readyz'),
  readyTimeoutMs: positiveInt.default(30_000),
  stopGraceMs: positiveInt.default(15_000),
  /** Start a private redis-server for the run when REDIS_URL is not set and the binary exists. */
  redis: z.boolean().default(false),
});

const composeStackSchema = z.strictObject({
  kind: z.literal('compose'),
  file: z.string().default('docker-compose.test.yml'),
  services: z.array(z.string().min(1)).default([]),
  /** The service whose URL is the target (the load balancer). */
  entryService: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  readyTimeoutMs: positiveInt.default(180_000),
});

const urlStackSchema = z.strictObject({ kind: z.literal('url') });

const stackSchema = z.discriminatedUnion('kind', [localStackSchema, composeStackSchema, urlStackSchema]);

const thresholdEntry = z.union([
  z.string().min(1),
  z.strictObject({
    threshold: z.string().min(1),
    abortOnFail: z.boolean().default(false),
    delayAbortSec: nonNegativeInt.default(0),
  }),
]);
const thresholdsSchema = z.record(z.string().min(1), z.array(thresholdEntry).nonempty());

const contractsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** OpenAPI document; defaults to target.openapi. */
  spec: z.string().min(1).optional(),
  /** Glob of contract hook files. */
  hooks: z.string().default('contracts/*.contract.ts'),
  concurrency: positiveInt.max(64).default(4),
  timeoutMs: positiveInt.default(10_000),
  seed: nonNegativeInt.default(1),
});

const scenariosSchema = z.strictObject({
  enabled: z.boolean().default(true),
  dir: z.string().default('scenarios'),
  /** Names (file stems) to run; all when empty. */
  only: z.array(z.string().min(1)).default([]),
});

const soakSchema = z.strictObject({
  enabled: z.boolean().default(true),
  script: z.string().default('soak/voice-sessions.soak.ts'),
  durationSec: positiveNumber.optional(),
  sessions: positiveInt.optional(),
  rampUpSec: z.number().nonnegative().optional(),
  rampDownSec: z.number().nonnegative().optional(),
  eventsPerSec: positiveNumber.optional(),
  warmupSec: z.number().nonnegative().optional(),
  windowSec: positiveNumber.optional(),
  workers: positiveInt.max(64).default(1),
  /** Prometheus endpoint on the target used for server resources; `false` to sample by PID only. */
  metricsPath: z.union([z.string().min(1), z.literal(false)]).default('/metrics'),
});

const loadSchema = z.strictObject({
  enabled: z.boolean().default(false),
  durationSec: positiveNumber.default(30),
  connections: positiveInt.default(10),
  /** Open-model arrival rate; closed model (autocannon) when unset. */
  ratePerSec: positiveNumber.optional(),
  routes: z
    .array(
      z.strictObject({
        method: z.string().default('GET'),
        path: z.string().min(1),
        body: z.string().optional(),
        headers: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default([]),
});

const sectionsShape = {
  target: targetSchema.default({ loadAllowedHosts: [] }),
  stack: stackSchema.default({ kind: 'url' }),
  contracts: contractsSchema.default(contractsSchema.parse({})),
  scenarios: scenariosSchema.default(scenariosSchema.parse({})),
  soak: soakSchema.default(soakSchema.parse({})),
  load: loadSchema.default(loadSchema.parse({})),
  thresholds: thresholdsSchema.default({}),
  reporters: z.array(z.enum(REPORTER_NAMES)).nonempty().default(['console', 'json', 'junit']),
  /** Named secret values: redacted from everything the run writes, available to scripts. */
  secrets: z.record(z.string(), z.string()).default({}),
  /** Run output directory. */
  out: z.string().min(1).default('reports'),
  profile: z.enum(['quick', 'full']).default('full'),
};

export const configSchema = z.strictObject({
  ...sectionsShape,
  /** Overrides merged over the rest for each profile, e.g. `{ quick: { soak: { durationSec: 60 } } }`. */
  profiles: z
    .strictObject({
      quick: z.record(z.string(), z.unknown()).optional(),
      full: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
});

export type ResolvedConfig = z.output<typeof configSchema>;
export type LocalStackConfig = z.output<typeof localStackSchema>;
export type ComposeStackConfig = z.output<typeof composeStackSchema>;
export type StackConfig = z.output<typeof stackSchema>;
export type AuthConfig = z.output<typeof authSchema>;
export type ThresholdsConfig = z.output<typeof thresholdsSchema>;
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
