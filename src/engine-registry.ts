import type { Engine, EngineName } from './engine-context.ts';

/**
 * The engines behind the commands, by the name `run`, `contracts`, `scenarios`, `soak` and `load`
 * use. Each is imported when a run first needs it, so `shakedown soak` does not load the contract
 * engine's OpenAPI parsers and validators: the soak's main thread stays smaller for its whole run.
 */
export const engines: Record<EngineName, () => Promise<Engine>> = {
  contracts: async () => (await import('./contract/engine.ts')).contractsEngine,
  scenarios: async () => (await import('./scenario/engine.ts')).scenariosEngine,
  soak: async () => (await import('./soak/engine.ts')).soakEngine,
  load: async () => (await import('./load/engine.ts')).loadEngine,
};
