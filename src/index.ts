/** The public API of the `shakedown` package. */
export { defineConfig } from './config/define.ts';
export type { ShakedownConfig } from './config/schema.ts';
export { ExitCode, errorCodes, ShakedownError } from './errors.ts';
export { mintHs256Token } from './http/jwt.ts';
export type { CheckResult, CheckVerdict, Evidence, RunSummary } from './report/model.ts';
export type { Reporter } from './report/reporter.ts';
export type {
  CheckContext,
  CheckOutcome,
  ScenarioContext,
  ScenarioDefinition,
  ScenarioOptions,
} from './scenario/define.ts';
export { defineScenario } from './scenario/define.ts';
