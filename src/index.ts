/** The public API of the `shakedown` package. */
export { defineConfig } from './config/define.ts';
export type { ShakedownConfig } from './config/schema.ts';
export type {
  ContractHookContext,
  ContractHooks,
  ContractResponse,
  CustomCheck,
  OperationHooks,
} from './contract/hooks.ts';
export { defineContractHooks } from './contract/hooks.ts';
export type { ContractRequest, RequestKind } from './contract/request.ts';
export { ExitCode, errorCodes, ShakedownError } from './errors.ts';
export { mintHs256Token } from './http/jwt.ts';
export type { CheckResult, CheckVerdict, Evidence, RunSummary } from './run/model.ts';
export type { Reporter } from './run/reporter.ts';
export type { GracefulShutdownOptions } from './scenario/builtin/graceful-shutdown.ts';
export { gracefulShutdownScenario } from './scenario/builtin/graceful-shutdown.ts';
export type { HardeningOptions } from './scenario/builtin/hardening.ts';
export { hardeningScenario } from './scenario/builtin/hardening.ts';
export type { RateLimitScenarioOptions } from './scenario/builtin/rate-limit.ts';
export { rateLimitScenario } from './scenario/builtin/rate-limit.ts';
export type { ReplicasScenarioOptions } from './scenario/builtin/replicas/scenario.ts';
export { replicasScenario } from './scenario/builtin/replicas/scenario.ts';
export type { WebhookEvent, WebhookReplayScenarioOptions } from './scenario/builtin/webhook-replay.ts';
export { webhookReplayScenario } from './scenario/builtin/webhook-replay.ts';
export type {
  CheckContext,
  CheckOutcome,
  ScenarioContext,
  ScenarioDefinition,
  ScenarioOptions,
} from './scenario/define.ts';
export { defineScenario } from './scenario/define.ts';
export type { HmacSchemeOptions, WebhookScheme } from './scenario/webhook-schemes/index.ts';
export { hmacScheme } from './scenario/webhook-schemes/index.ts';
export type {
  AckResult,
  CustomMetric,
  SessionContext,
  SessionHttp,
  SoakOptions,
  SoakScript,
  SoakSocket,
  Tick,
} from './soak/define.ts';
export { defineSoak } from './soak/define.ts';
