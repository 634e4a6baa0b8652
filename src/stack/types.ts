import type { TargetLost } from '../run/model.ts';

/** Called once when the target dies (or stops answering) without the harness asking it to. */
export type TargetLostListener = (lost: TargetLost) => void;

export interface ExitInfo {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Exit code as a shell reports it: 128 + signal number when killed by a signal. */
  shellCode: number;
  /** Milliseconds since the process was started. */
  atMs: number;
}

/**
 * What scenarios and engines may do to the system under test. Stacks that cannot do something
 * (a URL stack cannot signal a remote process) say so through `can`, and scenarios skip with the reason.
 * `can` describes the target as a whole (calls without a `service`): a compose stack has no single
 * target process, so it says no there and hands out per-service handles through `services()`.
 */
export interface StackHandle {
  readonly kind: 'local' | 'compose' | 'url';
  readonly baseUrl: string;
  readonly can: { signal: boolean; restart: boolean; pid: boolean };
  /** PID of the target process (local stack only). */
  pid(): number | undefined;
  signal(signal: NodeJS.Signals, service?: string): Promise<void>;
  /** Resolves when the target exits, or with null after timeoutMs. */
  waitForExit(timeoutMs: number, service?: string): Promise<ExitInfo | null>;
  /** Starts the target again (after a shutdown scenario) and waits until it is ready. */
  restart(service?: string): Promise<void>;
  /** The last lines of the target's output (redacted). */
  logTail(lines?: number): string;
  /** How the target was started (local stack), for scenarios that start variants of it; null elsewhere. */
  launchSpec(): LaunchSpec | null;
  stop(): Promise<void>;
  /**
   * Watches the target (local: its process; url/compose: consecutive failed probes, see
   * `watchReachability`) and calls `listener` when it is lost. Returns a function that unsubscribes.
   */
  onLost?(listener: TargetLostListener): () => void;
  /** The services of a multi-service stack (compose): replicas, the load balancer, dependencies. */
  services?(): readonly ServiceHandle[];
}

/** One service of a composed stack, e.g. a replica of the target or the Redis it depends on. */
export interface ServiceHandle {
  readonly name: string;
  readonly role: 'entry' | 'replica' | 'dependency';
  /** `http://127.0.0.1:<port>` for an HTTP service, `tcp://127.0.0.1:<port>` otherwise. */
  readonly url: string;
  readonly port: number;
  /** Sends a signal to the service's main process (`docker kill --signal`). */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Resolves with how the service's process ended, or null after timeoutMs. */
  waitForExit(timeoutMs: number): Promise<ExitInfo | null>;
  /** Starts a stopped (or exited) service and waits until it is ready. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after the stack's grace period. */
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it and waits until it is ready. */
  restart(): Promise<void>;
  running(): Promise<boolean>;
  /** The last lines of the service's output (redacted). */
  logTail(lines?: number): string;
}

export const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

export interface LaunchSpec {
  /** argv (argv[0] already resolved, `node` → the running Node) or a shell command line. */
  command: readonly string[] | string;
  cwd: string;
  /** The full environment the target got, including inherited variables and generated secrets. */
  env: Record<string, string>;
  host: string;
  port: number;
}
