import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ComposeStackConfig } from '../config/schema.ts';
import { ShakedownError } from '../errors.ts';
import { importOptional } from '../optional-import.ts';
import type { Redactor } from '../run/redact.ts';
import { assertDockerAvailable } from './compose/docker.ts';
import { writeRunEnvFile } from './compose/env-file.ts';
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

// Projects still up, removed by force if the harness exits without stopping them (crash, second Ctrl-C).
const liveProjects = new Set<string>();
process.once('exit', () => {
  for (const project of liveProjects) removeProjectNow(project);
});

/**
 * `docker-compose.test.yml` through testcontainers: free loopback ports and a generated env file for
 * each run, images built first, every service probed from the host until ready, then per-service
 * handles (signal, wait for exit, restart, logs). The caller must `stop()` it, which removes it all.
 */
export async function startComposeStack(options: ComposeStackOptions): Promise<StackHandle> {
  const { config } = options;
  const notify = options.notify ?? (() => {});
  const file = path.resolve(options.rootDir, config.file);
  if (!existsSync(file)) {
    throw new ShakedownError(
      'SHK_CONFIG_INVALID',
      `stack.file: the compose file ${file} does not exist. Point stack.file at your compose file (relative to the config file).`,
    );
  }
  // Every service uses host networking on loopback, so the Docker host is this machine's 127.0.0.1;
  // left to itself testcontainers looks for a bridge network's gateway, which such a setup may not have.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  const { DockerComposeEnvironment } = await importOptional<typeof import('testcontainers')>(
    'testcontainers',
    '--stack compose',
  );
  const ports = await assignPorts(config);
  await assertDockerAvailable();
  const projectDir = path.dirname(file);
  if (config.build && config.beforeBuild)
    await runBeforeBuild(config.beforeBuild, projectDir, config.readyTimeoutMs, notify);

  const project = `shakedown-${randomUUID().slice(0, 8)}`;
  const envFile = writeRunEnvFile(options.secrets);
  const environment: Record<string, string> = { ...config.env, [config.envFileVar]: envFile.path };
  for (const [name, service] of Object.entries(config.services))
    environment[service.portEnv] = String(ports[name]);
  const compose = new DockerComposeEnvironment(projectDir, path.basename(file))
    .withProjectName(project)
    .withEnvironment(environment)
    .withStartupTimeout(config.readyTimeoutMs);
  if (config.build) compose.withBuild();
  for (const [name, service] of Object.entries(config.services)) {
    const url = `${service.readyPath ? 'http' : 'tcp'}://127.0.0.1:${ports[name]}`;
    compose.withWaitStrategy(
      `${name}-1`,
      new HostProbeWait(`the ${name} service`, project, () =>
        probeReady(url, service.readyPath, ports[name]),
      ),
    );
  }

  liveProjects.add(project);
  const interrupted = catchInterrupt();
  notify(
    'info',
    `starting the compose stack ${project} from ${file}${config.build ? ' (building images)' : ''}`,
  );
  let started: Awaited<ReturnType<typeof compose.up>>;
  try {
    started = await compose.up();
  } catch (error) {
    removeProjectNow(project);
    liveProjects.delete(project);
    envFile.remove();
    throw new ShakedownError(
      'SHK_STACK_START',
      `the compose stack did not start: ${options.redactor.text(conciseError(error))}`,
      { cause: error },
    );
  } finally {
    interrupted.release();
  }

  const services: ComposeService[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await started.down({ removeVolumes: true, timeout: config.stopGraceSec * 1000 });
    } finally {
      removeProjectNow(project);
      liveProjects.delete(project);
      envFile.remove();
      await Promise.all(services.map((s) => s.closeLogs()));
    }
  };
  if (interrupted.happened) {
    await stop();
    throw new ShakedownError(
      'SHK_STACK_START',
      'interrupted while the compose stack was starting; it was removed.',
    );
  }
  for (const [name, service] of Object.entries(config.services)) {
    let containerId: string;
    try {
      containerId = started.getContainer(`${name}-1`).getId();
    } catch {
      await stop();
      throw new ShakedownError(
        'SHK_CONFIG_INVALID',
        `stack.services.${name}: ${file} started no service of that name. Name the services as the compose file does.`,
      );
    }
    services.push(
      new ComposeService({
        name,
        config: service,
        port: ports[name],
        containerId,
        redactor: options.redactor,
        logDir: options.logDir,
        readyTimeoutMs: config.readyTimeoutMs,
        stopGraceSec: config.stopGraceSec,
      }),
    );
  }

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

/** The host-side build step the images need (the reference target's bundle). */
function runBeforeBuild(
  command: readonly string[] | string,
  cwd: string,
  timeoutMs: number,
  notify: NonNullable<ComposeStackOptions['notify']>,
): Promise<void> {
  const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
  if (argv[0] === 'node') argv[0] = process.execPath;
  notify('info', `before the image build: ${typeof command === 'string' ? command : command.join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      argv[0],
      argv.slice(1),
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-20).join('\n');
        reject(
          new ShakedownError(
            'SHK_STACK_START',
            `stack.beforeBuild (${argv.join(' ')}) failed in ${cwd}: ${error.message}\n${output}`,
          ),
        );
      },
    );
  });
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

/** Synchronous, for exit handlers: force-removes every container of the project. */
function removeProjectNow(project: string): void {
  try {
    const ids = execFileSync(
      'docker',
      ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    )
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0)
      execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Docker went away: nothing more can be done from here.
  }
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
