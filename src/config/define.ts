import type { ShakedownConfig } from './schema.ts';

/** Typed identity: gives editors the config's types and documentation, nothing more. */
export function defineConfig(config: ShakedownConfig): ShakedownConfig {
  return config;
}
