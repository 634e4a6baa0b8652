import { pathToFileURL } from 'node:url';
import { type ErrorCode, ShakedownError } from '../errors.ts';
import { enableTypeScriptModules } from './ts-modules.ts';

/** Where a syntax error is: line, column (1-based) and the source line with a caret under it. */
export interface SyntaxLocation {
  line: number;
  column: number;
  excerpt: string;
}

/** Why a user's module did not load, for the caller to word in its own terms. */
export interface ImportFailure {
  /** The error's message (or the thrown value as a string). */
  reason: string;
  /** Where the module does not parse, when Node says so. */
  location: SyntaxLocation | null;
}

/**
 * Imports one of the user's modules (config, scenario, soak script, contract hooks), `.ts` files
 * included whatever their package.json says, and turns any failure (not found, syntax error, a throw
 * at import time) into a ShakedownError with `code` and the caller's message, the original as cause.
 */
export async function importUserModule(
  file: string,
  code: ErrorCode,
  message: (failure: ImportFailure) => string,
): Promise<Record<string, unknown>> {
  try {
    enableTypeScriptModules();
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ShakedownError(code, message({ reason, location: syntaxLocation(error) }), { cause: error });
  }
}

/**
 * Where a syntax error is, from the stack Node gives a module that does not parse:
 * `<file>:<line>`, the source line, then a caret line under the offending column.
 */
export function syntaxLocation(error: unknown): SyntaxLocation | null {
  if (!(error instanceof Error) || !error.stack) return null;
  const lines = error.stack.split('\n');
  const line = /:(\d+)$/.exec(lines[0] ?? '')?.[1];
  const caret = lines.findIndex((l, i) => i > 0 && /^\s*\^+\s*$/.test(l));
  if (!line || caret < 2) return null;
  return {
    line: Number(line),
    column: lines[caret].indexOf('^') + 1,
    excerpt: `  ${lines[caret - 1]}\n  ${lines[caret]}`,
  };
}
