import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DockerComposeEnvironment, StartedDockerComposeEnvironment } from 'testcontainers';
import type { ComposeStackConfig } from '../config/schema.ts';
import { ShakedownError } from '../errors.ts';
import { importOptional } from '../optional-import.ts';
import type { Redactor } from '../run/redact.ts';
import { runBeforeBuild } from './compose/before-build.ts';
import { markLive, removeProject } from './compose/cleanup.ts';
import { assertDockerAvailable } from './compose/docker.ts';
import { type RunEnvFile, writeRunEnvFile } from './compose/env-file.ts';
import { probeReady } from './compose/probe.ts';
import { ComposeService } from './compose/service.ts';
import { HostProbeWait } from './compose/wait.ts';
import { freePort } from './free-port.ts';
import type { ServiceHandle, StackHandle } from './types.ts';
import { reachabilityWatcher } from './watch.ts';

export interface ComposeStackOptions {
  config: ComposeStackConfig;
  /** Directory the compose file path is relative to: the config file's. */
  rootDir: string;
  /** config.secrets: written to the run's env file, for the compose file's env_file. */
  secrets: Readonly<Record<string, string>>;
  redactor: Redactor;
  /** Each service's output goes to `<service>.log` here. */
  logDir?: string;
  notify?: (level: 'info' | 'warn', message: string) => void;
}

type Notify = NonNullable<ComposeStackOptions['notify']>;

/** One run's compose project: its name, its generated env file and ports, the services once attached. */
interface ComposeProject {
  readonly name: string;
  /** The compose file, absolute. */
  readonly file: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly envFile: RunEnvFile;
  /** What the compose file's `${…}` see: stack.env, the env file's path and each service's port. */
  readonly environment: Readonly<Record<string, string>>;
  readonly services: ComposeService[];
}

/**
 * `docker-compose.test.yml` through testcontainers: free loopback ports and a generated env file for
 * each run, images built first, every service probed from the host until ready, then per-service
 * handles (signal, wait for exit, restart, logs). The caller must `stop()` it, which removes it all.
 */
export async function startComposeStack(options: ComposeStackOptions): Promise<StackHandle> {
  const { config } = options;
  const notify = options.notify ?? (() => {});
  const file = resolveComposeFile(options.rootDir, config);
  // Every service uses host networking on loopback, so the Docker host is this machine's 127.0.0.1;
  // left to itself testcontainers looks for a bridge network's gateway, which such a setup may not have.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  const { DockerComposeEnvironment } = await importOptional<typeof import('testcontainers')>(
    'testcontainers',
    '--stack compose',
  );
  const ports = await assignPorts(config);
  await assertDockerAvailable();
  if (config.build && config.beforeBuild)
    await runBeforeBuild(config.beforeBuild, path.dirname(file), config.readyTimeoutMs, notify);
  const project = newProject(config, file, ports, options.secrets);
  const compose = waitForServices(
    buildOrPull(new DockerComposeEnvironment(path.dirname(file), path.basename(file)), project, config),
    project,
    config,
  );
  const started = await startProject(compose, project, config, options.redactor, notify);
  const stop = stopper(started, project, config);
  await attachServices(started, project, options, stop);
  return composeHandle(project.services, stop);
}

/** `stack.file`, relative to the config file; it must exist. */
function resolveComposeFile(rootDir: string, config: ComposeStackConfig): string {
  const file = path.resolve(rootDir, config.file);
  if (!existsSync(file)) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `stack.file: the compose file ${file} does not exist. Point stack.file at your compose file (relative to the config file).`,
    );
  }
  return file;
}

/** A fresh project name and env file for this run, and the environment the compose file is read with. */
function newProject(
  config: ComposeStackConfig,
  file: string,
  ports: Record<string, number>,
  secrets: Readonly<Record<string, string>>,
): ComposeProject {
  const envFile = writeRunEnvFile(secrets);
  const environment: Record<string, string> = { ...config.env, [config.envFileVar]: envFile.path };
  for (const [name, service] of Object.entries(config.services))
    environment[service.portEnv] = String(ports[name]);
  return { name: `shakedown-${randomUUID().slice(0, 8)}`, file, ports, envFile, environment, services: [] };
}

/** The project's images: built from the compose file's `build:` sections with stack.build, else pulled. */
function buildOrPull(
  compose: DockerComposeEnvironment,
  project: ComposeProject,
  config: ComposeStackConfig,
): DockerComposeEnvironment {
  const configured = compose
    .withProjectName(project.name)
    .withEnvironment(project.environment)
    .withStartupTimeout(config.readyTimeoutMs);
  return config.build ? configured.withBuild() : configured;
}

/** `up` returns once every service answers its ready probe from the host (or the TCP port accepts). */
function waitForServices(
  compose: DockerComposeEnvironment,
  project: ComposeProject,
  config: ComposeStackConfig,
): DockerComposeEnvironment {
  for (const [name, service] of Object.entries(config.services)) {
    const port = project.ports[name];
    const url = `${service.readyPath ? 'http' : 'tcp'}://127.0.0.1:${port}`;
    compose.withWaitStrategy(
      `${name}-1`,
      new HostProbeWait(`the ${name} service`, project.name, () => probeReady(url, service.readyPath, port)),
    );
  }
  return compose;
}

/**
 * Brings the project up. A failed start leaves nothing behind; a Ctrl-C while it starts is held
 * until `up` returns, then the project is removed.
 */
async function startProject(
  compose: DockerComposeEnvironment,
  project: ComposeProject,
  config: ComposeStackConfig,
  redactor: Redactor,
  notify: Notify,
): Promise<StartedDockerComposeEnvironment> {
  markLive(project.name);
  const interrupted = catchInterrupt();
  notify(
    'info',
    `starting the compose stack ${project.name} from ${project.file}${config.build ? ' (building images)' : ''}`,
  );
  let started: StartedDockerComposeEnvironment;
  try {
    started = await compose.up();
  } catch (error) {
    removeProject(project.name);
    project.envFile.remove();
    throw new ShakedownError(
      'SHK_STACK_START',
      `the compose stack did not start: ${redactor.text(conciseError(error))}`,
      { cause: error },
    );
  } finally {
    interrupted.release();
  }
  if (interrupted.happened) {
    await stopper(started, project, config)();
    throw new ShakedownError(
      'SHK_STACK_START',
      'interrupted while the compose stack was starting; it was removed.',
    );
  }
  return started;
}

/** Stops and removes the project, its volumes and env file, once, and closes the services' logs. */
function stopper(
  started: StartedDockerComposeEnvironment,
  project: ComposeProject,
  config: ComposeStackConfig,
): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    try {
      await started.down({ removeVolumes: true, timeout: config.stopGraceSec * 1000 });
    } finally {
      removeProject(project.name);
      project.envFile.remove();
      await Promise.all(project.services.map((s) => s.closeLogs()));
    }
  };
}

/** A handle per configured service; one the compose file does not start is a config error. */
async function attachServices(
  started: StartedDockerComposeEnvironment,
  project: ComposeProject,
  options: ComposeStackOptions,
  stop: () => Promise<void>,
): Promise<void> {
  const { config } = options;
  for (const [name, service] of Object.entries(config.services)) {
    let containerId: string;
    try {
      containerId = started.getContainer(`${name}-1`).getId();
    } catch {
      await stop();
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        `stack.services.${name}: ${project.file} started no service of that name. Name the services as the compose file does.`,
      );
    }
    project.services.push(
      new ComposeService({
        name,
        config: service,
        port: project.ports[name],
        containerId,
        redactor: options.redactor,
        logDir: options.logDir,
        readyTimeoutMs: config.readyTimeoutMs,
        stopGraceSec: config.stopGraceSec,
      }),
    );
  }
}

/**
 * The stack as the engines see it: the entry service's URL, watched for loss, and per-service
 * handles; signals, exits and restarts need a service name, as there is no single target process.
 */
function composeHandle(services: readonly ComposeService[], stop: () => Promise<void>): StackHandle {
  const entry = services.find((s) => s.role === 'entry') as ComposeService;
  const byName = (service: string | undefined, what: string): ServiceHandle => {
    const found = services.find((s) => s.name === service);
    if (found) return found;
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `a compose stack cannot ${what} without a service name: it has no single target process. Name one of ${services.map((s) => s.name).join(', ')}${service ? ` ('${service}' is not one)` : ''}.`,
    );
  };
  // Replicas restart on purpose in scenarios; the entry (the load balancer) must stay up throughout.
  const watcher = reachabilityWatcher(entry.url);
  return {
    kind: 'compose',
    baseUrl: entry.url,
    can: { signal: false, restart: false, pid: false },
    pid: () => undefined,
    signal: async (signal, service) => byName(service, 'send a signal').signal(signal),
    waitForExit: async (timeoutMs, service) => byName(service, 'wait for an exit').waitForExit(timeoutMs),
    restart: async (service) => byName(service, 'restart the target').restart(),
    logTail: (lines = 50) => services.map((s) => `--- ${s.name} ---\n${s.logTail(lines)}`).join('\n'),
    launchSpec: () => null,
    onLost: watcher.onLost,
    stop: async () => {
      watcher.stop();
      await stop();
    },
    services: () => services,
  };
}

/** A free loopback port per service, unless `stack.env` fixes it (e.g. to match a firewall rule). */
async function assignPorts(config: ComposeStackConfig): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const [name, service] of Object.entries(config.services)) {
    const fixed = config.env[service.portEnv];
    ports[name] = fixed ? Number(fixed) : await freePort();
    if (!Number.isInteger(ports[name]) || ports[name] < 1 || ports[name] > 65535) {
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        `stack.env.${service.portEnv}: expected a port number for the ${name} service, got ${JSON.stringify(fixed)}.`,
      );
    }
  }
  return ports;
}

/**
 * While the stack starts, Ctrl-C must not kill the harness and leave containers behind: it is noted,
 * and the stack is removed as soon as `up` returns.
 */
function catchInterrupt(): { readonly happened: boolean; release(): void } {
  const state = { happened: false, release: () => {} };
  const onSignal = () => {
    state.happened = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  state.release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  return state;
}

/** Compose failures come as `{ err }` objects or long Errors; keep what says why. */
function conciseError(error: unknown): string {
  const raw =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error && 'err' in error
        ? String(error.err)
        : String(error);
  const lines = raw.trim().split('\n').filter(Boolean);
  return lines.slice(-40).join('\n');
}
