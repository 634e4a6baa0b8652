import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { ResolvedConfig } from '../config/schema.ts';
import type { AuthProvider } from '../http/auth.ts';
import type { HttpClient, HttpExchange } from '../http/client.ts';
import type { Check } from '../run/checks.ts';
import type { CheckResult, CheckVerdict, Evidence } from '../run/model.ts';
import type { Redactor } from '../run/redact.ts';
import type { StackHandle } from '../stack/types.ts';
import type { LoopbackPool } from './loopback.ts';

export interface ScenarioOptions {
  /** Upper bound for one check, in seconds (default 60): a hung target is a finding, never a hung run. */
  checkTimeoutSec?: number;
}

/** What a `scenarios/*.scenario.ts` file exports (default export). Its name is the file stem. */
export interface ScenarioDefinition {
  /** Informational; the file stem is the scenario's name in reports and on the command line. */
  name?: string;
  options?: ScenarioOptions;
  /**
   * True when the scenario sends bursts of traffic on purpose (a rate-limit probe): like soak and load,
   * it then refuses a target host that is not loopback or listed in `target.loadAllowedHosts` (exit 2,
   * before anything is sent). The built-in rateLimitScenario and replicasScenario set it.
   */
  sendsBursts?: boolean;
  run(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioTarget {
  readonly baseUrl: string;
  /** socket.io origin (target.socketUrl, else baseUrl). */
  readonly socketUrl: string;
  readonly auth: AuthProvider;
  /** config.secrets: WEBHOOK_SECRET and friends, already registered for redaction. */
  readonly secrets: Readonly<Record<string, string>>;
}

export interface ScenarioContext {
  readonly name: string;
  readonly config: ResolvedConfig;
  readonly target: ScenarioTarget;
  /** Client on the target with its credentials; requests record timings and become evidence. */
  readonly http: HttpClient;
  /** Fresh loopback source addresses (127.x.y.z), one per independent quota. */
  readonly addresses: LoopbackPool;
  /** The system under test: signal, wait for exit, restart, its log. */
  readonly stack: StackHandle;
  readonly redactor: Redactor;
  /** Aborted on Ctrl-C: stop loops and return. */
  readonly signal: AbortSignal;
  /** A socket.io client for `namespace` (not yet connected); closed when the scenario ends. */
  socket(namespace: string, options?: Partial<ManagerOptions & SocketOptions>): Socket;
  /**
   * Runs one check, bounded in time; what `fn` returns (or throws) becomes the recorded result. The id
   * is yours to choose: dotted and stable (`orders.idempotent`), since reports, JUnit and baselines key on it.
   */
  check(id: string, title: string, fn: CheckBody): Promise<CheckResult>;
  /**
   * The same for a check declared with `defineCheck` (every built-in scenario's): the result carries
   * its id, and its title unless `options.title` names the subject (`/livez answers 200 …`).
   */
  check(check: Check, fn: CheckBody, options?: { title?: string }): Promise<CheckResult>;
  log(message: string): Promise<void>;
}

/** A check's body: it judges and returns the outcome; throwing (or overrunning) records a fail. */
export type CheckBody = (c: CheckContext) => Promise<CheckOutcome>;

export interface CheckOutcome {
  verdict: CheckVerdict;
  message: string;
  evidence?: Evidence;
}

/** Builds outcomes and collects evidence for the check it was handed to. */
export interface CheckContext {
  pass(message: string, evidence?: Evidence): CheckOutcome;
  fail(message: string, evidence?: Evidence): CheckOutcome;
  warn(message: string, evidence?: Evidence): CheckOutcome;
  skip(message: string, evidence?: Evidence): CheckOutcome;
  /** Redacted evidence (request, response excerpt, curl) for an exchange. */
  evidence(exchange: HttpExchange, extra?: Partial<Evidence>): Evidence;
}

/** Typed identity for custom scenario scripts. */
export function defineScenario(definition: ScenarioDefinition): ScenarioDefinition {
  return definition;
}
