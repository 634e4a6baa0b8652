import { z } from 'zod';
import { positiveInt } from './numbers.ts';

/** The config's `stack` section: how the target is brought up (local processes, compose, or a URL). */
export const localStackSchema = z.strictObject({
  kind: z.literal('local'),
  /** argv array (no shell) or a shell command line. `node` means the Node running Shakedown. */
  command: z.union([z.array(z.string().min(1)).nonempty(), z.string().min(1)]),
  /** Extra environment variables for the target process. */
  env: z.record(z.string(), z.string()).default({}),
  /** Working directory of the target, relative to the config file; the config's directory by default. */
  cwd: z.string().optional(),
  /** Port for the target; `auto` picks a free loopback port and passes it as `PORT`. */
  port: z.union([z.literal('auto'), positiveInt.max(65535)]).default('auto'),
  /** The address the target listens on (passed as `HOST`). */
  host: z.string().default('127.0.0.1'),
  /** Path (on baseUrl) or absolute URL polled until it answers 2xx. */
  readyUrl: z.string().default('/readyz'),
  /** How long the target has to answer `readyUrl` with 2xx after it is started. */
  readyTimeoutMs: positiveInt.default(30_000),
  /** SIGTERM, then SIGKILL after this long, when the target is stopped. */
  stopGraceMs: positiveInt.default(15_000),
  /** Start a private redis-server for the run when REDIS_URL is not set and the binary exists. */
  redis: z.boolean().default(false),
});

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' });

export const composeServiceSchema = z.strictObject({
  /** entry: the URL under test (the load balancer); replica: one instance of the target; dependency: what it needs. */
  role: z.enum(['entry', 'replica', 'dependency']),
  /** The variable that carries the service's loopback port into the compose file; a free port is picked per run. */
  portEnv: envName,
  /** HTTP path that answers 200 once the service is ready; without one the service is TCP (e.g. Redis). */
  readyPath: z.string().startsWith('/', { error: 'expected a path starting with /' }).optional(),
});

/** docker-compose.test.yml: two replicas of the reference target behind a load balancer, sharing Redis. */
const REFERENCE_COMPOSE_SERVICES = {
  lb: { role: 'entry', portEnv: 'LB_PORT', readyPath: '/__lb/health' },
  'voice-api-1': { role: 'replica', portEnv: 'VOICE_API_1_PORT', readyPath: '/readyz' },
  'voice-api-2': { role: 'replica', portEnv: 'VOICE_API_2_PORT', readyPath: '/readyz' },
  redis: { role: 'dependency', portEnv: 'REDIS_PORT' },
} as const;

export const composeStackSchema = z.strictObject({
  kind: z.literal('compose'),
  /** The compose file, relative to the config file. */
  file: z.string().min(1).default('docker-compose.test.yml'),
  /** The services Shakedown talks to, by compose service name (exactly one entry). */
  services: z
    .record(z.string().min(1), composeServiceSchema)
    .refine((services) => Object.values(services).filter((s) => s.role === 'entry').length === 1, {
      error: "expected exactly one service with role 'entry' (the URL under test)",
    })
    .default(REFERENCE_COMPOSE_SERVICES),
  /** Variables for the compose file (faults, rate limits, drain time). Secrets go in `secrets`, never here. */
  env: z.record(envName, z.string()).default({}),
  /** The variable naming the env file generated for the run (config.secrets), read by the compose file's env_file. */
  envFileVar: envName.default('SHAKEDOWN_ENV_FILE'),
  /** Run on the host before the images are built (in the compose file's directory); false for nothing. */
  beforeBuild: z
    .union([z.array(z.string().min(1)).nonempty(), z.string().min(1), z.literal(false)])
    .default(['node', '--run', 'build:voice-api']),
  /** Build the images (`up --build`); false to use images already built or pulled. */
  build: z.boolean().default(true),
  /** Covers image builds and every service's readiness. */
  readyTimeoutMs: positiveInt.default(180_000),
  /** SIGTERM, then SIGKILL after this long, when a service is stopped. */
  stopGraceSec: positiveInt.default(15),
});

const urlStackSchema = z.strictObject({ kind: z.literal('url') });

export const stackSchema = z.discriminatedUnion('kind', [
  localStackSchema,
  composeStackSchema,
  urlStackSchema,
]);
