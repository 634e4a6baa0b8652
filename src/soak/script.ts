import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { soakTuningShape, thresholdsSchema } from '../config/schema.ts';
import { importUserModule } from '../config/user-module.ts';
import { ShakedownError } from '../errors.ts';
import type { SoakOptions, SoakScript } from './define.ts';

export interface LoadedSoakScript {
  /** Absolute path. */
  file: string;
  /** The file stem (`voice-sessions` for `voice-sessions.soak.ts`): the suite's name. */
  name: string;
  options: SoakOptions;
  session: SoakScript['session'];
}

export const optionsSchema = z.strictObject({ ...soakTuningShape, thresholds: thresholdsSchema.optional() });

const HOW_TO = "export default defineSoak({ options: { … }, async session(s) { … } }) from 'shakedown'";

/** Imports a soak script (Node strips the types) and checks its shape, naming the file in every error. */
export async function loadSoakScript(file: string): Promise<LoadedSoakScript> {
  if (!existsSync(file)) {
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `soak script ${file} does not exist. Create it (${HOW_TO}) or point soak.script in the config at yours.`,
    );
  }
  const mod = await importUserModule(
    file,
    'SHK_SCRIPT_INVALID',
    ({ reason }) => `cannot load soak script ${file}: ${reason}`,
  );
  const script = (mod.default ?? mod.soak) as Partial<SoakScript> | undefined;
  if (!script || typeof script !== 'object' || typeof script.session !== 'function') {
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `soak script ${file} must default-export a script with a session function: ${HOW_TO}.`,
    );
  }
  const parsed = optionsSchema.safeParse(script.options ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - options.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ShakedownError(
      'SHK_SCRIPT_INVALID',
      `soak script ${file} has invalid options:\n${problems.join('\n')}`,
    );
  }
  return { file, name: soakName(file), options: parsed.data as SoakOptions, session: script.session };
}

export function soakName(file: string): string {
  return path.basename(file).replace(/(\.soak)?\.[cm]?[jt]s$/, '');
}
