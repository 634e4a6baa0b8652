import { contractsEngine } from './contract/engine.ts';
import type { Engine, EngineName } from './engine-context.ts';
import { loadEngine } from './load/engine.ts';
import { scenariosEngine } from './scenario/engine.ts';
import { soakEngine } from './soak/engine.ts';

/** The engines behind the commands, by the name `run`, `contracts`, `scenarios`, `soak` and `load` use. */
export const engines: Record<EngineName, Engine> = {
  contracts: contractsEngine,
  scenarios: scenariosEngine,
  soak: soakEngine,
  load: loadEngine,
};
