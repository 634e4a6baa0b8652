import { readFileSync } from 'node:fs';
import { ShakedownError } from './errors.ts';

/**
 * Heavy parts only some runs need (testcontainers for `--stack compose`, esbuild for k6 export) are
 * optional peer dependencies: imported when used, and when missing the error says what to install,
 * instead of Node's "Cannot find package" with a stack trace.
 */
export async function importOptional<T>(name: string, neededFor: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    throw new ShakedownError(
      'SHK_MISSING_DEPENDENCY',
      `${neededFor} needs the package ${name}, which is not installed. Install it next to shakedown: ` +
        `npm install --save-dev ${name}@${peerRange(name)}`,
      { cause: error },
    );
  }
}

function isMissingPackage(error: unknown, name: string): boolean {
  return (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
    error.message.includes(`'${name}'`)
  );
}

/** The version range shakedown declares for an optional peer (package.json is one level up in src/ and dist/). */
function peerRange(name: string): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
  return manifest.peerDependencies?.[name] ?? 'latest';
}
