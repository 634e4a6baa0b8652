import { ShakedownError } from '../errors.ts';
import type { StackHandle } from './types.ts';
import { reachabilityWatcher } from './watch.ts';

const cannot = (what: string) => () =>
  Promise.reject(
    new ShakedownError(
      'SHK_NOT_AVAILABLE',
      `a url stack cannot ${what}: nothing was started by Shakedown. Use --stack local or compose.`,
    ),
  );

/** A target Shakedown did not start (staging, a server on a laptop): only its URL is known. */
export function urlStack(baseUrl: string): StackHandle {
  const watcher = reachabilityWatcher(baseUrl);
  return {
    kind: 'url',
    baseUrl,
    can: { signal: false, restart: false, pid: false },
    pid: () => undefined,
    signal: cannot('signal the target'),
    waitForExit: cannot('wait for the target to exit'),
    restart: cannot('restart the target'),
    logTail: () => '',
    launchSpec: () => null,
    onLost: watcher.onLost,
    stop: async () => watcher.stop(),
  };
}
