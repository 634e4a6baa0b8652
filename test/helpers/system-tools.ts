import { accessSync, constants } from 'node:fs';
import { chromium } from 'playwright-core';
import { findOnPath } from '../../src/stack/local.ts';

// System programs some tests need. `npm run test:setup` (scripts/setup-test-machine.sh) installs them on
// Debian; where they are missing the tests that need them are skipped, and say so on stderr.

const SETUP_HINT = 'run `npm run test:setup` (installs it on Debian as root) or install it yourself';

/** True when `program` is installed; otherwise prints, loudly, which tests are skipped and why. */
export function haveProgram(program: string, skipped: string): boolean {
  if (findOnPath(program)) return true;
  warnSkipped(skipped, `${program} is not installed`);
  return false;
}

/**
 * The Chromium the browser tests launch: `SHAKEDOWN_CHROMIUM`, else chromium / chromium-browser /
 * google-chrome on PATH, else a browser Playwright downloaded (`npx playwright-core install chromium`).
 * Null, after saying loudly that `skipped` is skipped, when there is none.
 */
export function findChromium(skipped: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SHAKEDOWN_CHROMIUM) {
    if (executable(env.SHAKEDOWN_CHROMIUM)) return env.SHAKEDOWN_CHROMIUM;
    throw new Error(`SHAKEDOWN_CHROMIUM=${env.SHAKEDOWN_CHROMIUM} is not an executable file`);
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = findOnPath(name);
    if (found) return found;
  }
  const downloaded = chromium.executablePath();
  if (executable(downloaded)) return downloaded;
  warnSkipped(
    skipped,
    'no Chromium found (SHAKEDOWN_CHROMIUM, chromium or google-chrome on PATH, Playwright)',
  );
  return null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function warnSkipped(skipped: string, reason: string): void {
  process.stderr.write(`\n*** SKIPPED ${skipped}: ${reason}; ${SETUP_HINT}.\n\n`);
}
