import type { Engine, EngineName } from './engine.ts';
import { scenariosEngine } from './scenario/engine.ts';

/**
 * The registry of engines behind the commands. A name with no engine makes its command say so
 * (exit 2) instead of pretending to run.
 */
export const engines: Partial<Record<EngineName, Engine>> = {
  scenarios: scenariosEngine,
};
