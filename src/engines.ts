import { contractsEngine } from './contract/engine.ts';
import type { Engine, EngineName } from './engine.ts';
import { loadEngine } from './load/engine.ts';
import { scenariosEngine } from './scenario/engine.ts';
import { soakEngine } from './soak/engine.ts';

/**
 * The registry of engines behind the commands. A name with no engine makes its command say so
 * (exit 2) instead of pretending to run.
 */
export const engines: Partial<Record<EngineName, Engine>> = {
  contracts: contractsEngine,
  scenarios: scenariosEngine,
  soak: soakEngine,
  load: loadEngine,
};
