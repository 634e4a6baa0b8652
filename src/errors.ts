/**
 * Every failure Shakedown reports to a user goes through here: a stable code, the exit code it maps to,
 * and a message that says what to do. The exit-code table is part of the public contract (CI scripts
 * branch on it), so it is documented in the README and checked against it by a test.
 */

export const ExitCode = {
  /** Every check and threshold passed. */
  Pass: 0,
  /** A check or threshold failed. */
  Failed: 1,
  /** Bad input: CLI usage, config, spec or script. */
  BadInput: 2,
  /** Target or stack unavailable: cannot start, not reachable, not ready in time. */
  Unavailable: 3,
  /** Internal error: a bug in Shakedown. */
  Internal: 4,
  /** The run did not finish (interrupted, killed, target lost): whatever it recorded, it cannot pass. */
  Incomplete: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const errorCodes = {
  SHK_USAGE: {
    exitCode: ExitCode.BadInput,
    summary: 'the command line is wrong (unknown command, flag or value)',
  },
  SHK_NOT_AVAILABLE: { exitCode: ExitCode.BadInput, summary: 'the command or option has no engine yet' },
  SHK_CONFIG_NOT_FOUND: { exitCode: ExitCode.BadInput, summary: 'the config file does not exist' },
  SHK_CONFIG_LOAD: { exitCode: ExitCode.BadInput, summary: 'the config file could not be imported' },
  SHK_CONFIG_INVALID: { exitCode: ExitCode.BadInput, summary: 'the resolved config failed validation' },
  SHK_UNSAFE_TARGET: {
    exitCode: ExitCode.BadInput,
    summary: 'load, soak or rate-limit traffic aimed at a host that is not loopback or allowed',
  },
  SHK_SPEC_INVALID: { exitCode: ExitCode.BadInput, summary: 'the OpenAPI document is invalid' },
  SHK_SCRIPT_INVALID: {
    exitCode: ExitCode.BadInput,
    summary: 'a scenario, soak or contract script is invalid',
  },
  SHK_RUN_DIR_INVALID: {
    exitCode: ExitCode.BadInput,
    summary: 'the run directory or baseline cannot be read',
  },
  SHK_BASELINE_MISMATCH: {
    exitCode: ExitCode.BadInput,
    summary: 'the baseline is a run of another profile or target (pass --force to compare anyway)',
  },
  SHK_MISSING_DEPENDENCY: {
    exitCode: ExitCode.BadInput,
    summary: 'an optional package this command needs is not installed',
  },
  SHK_INIT_EXISTS: {
    exitCode: ExitCode.BadInput,
    summary: 'shakedown init would overwrite a file (pass --force to overwrite)',
  },
  SHK_STACK_START: { exitCode: ExitCode.Unavailable, summary: 'the stack could not be started' },
  SHK_STACK_NOT_READY: { exitCode: ExitCode.Unavailable, summary: 'the stack did not become ready in time' },
  SHK_TARGET_UNREACHABLE: { exitCode: ExitCode.Unavailable, summary: 'the target does not answer' },
  SHK_INTERNAL: { exitCode: ExitCode.Internal, summary: 'a bug in Shakedown' },
} as const satisfies Record<string, { exitCode: ExitCodeValue; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;

export class ShakedownError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShakedownError';
    this.code = code;
    this.exitCode = errorCodes[code].exitCode;
  }
}

export function isShakedownError(error: unknown): error is ShakedownError {
  return error instanceof ShakedownError;
}

/** Wraps anything thrown into a ShakedownError so the CLI has one exit path. */
export function toShakedownError(error: unknown): ShakedownError {
  if (error instanceof ShakedownError) return error;
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new ShakedownError('SHK_INTERNAL', `internal error (please report it): ${message}`, {
    cause: error,
  });
}
