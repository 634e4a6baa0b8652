import type { LoadedConfig } from '../config/resolve.ts';
import { ShakedownError } from '../errors.ts';
import type { Redactor } from '../run/redact.ts';
import { startComposeStack } from './compose.ts';
import { startLocalStack } from './local.ts';
import type { StackHandle } from './types.ts';
import { urlStack } from './url.ts';

export type { ExitInfo, LaunchSpec, ServiceHandle, StackHandle } from './types.ts';

export interface StartStackOptions {
  loaded: LoadedConfig;
  redactor: Redactor;
  logDir?: string;
  notify?: (level: 'info' | 'warn', message: string) => void;
}

/** Brings up the configured stack and returns a handle; the caller must `stop()` it. */
export async function startStack(options: StartStackOptions): Promise<StackHandle> {
  const { config, rootDir } = options.loaded;
  switch (config.stack.kind) {
    case 'url': {
      if (!config.target.baseUrl) {
        throw new ShakedownError(
          'SHK_CONFIG_INVALID',
          'target.baseUrl: expected an http(s) URL for a url stack, got nothing. Pass --target <url> or set target.baseUrl.',
        );
      }
      await assertReachable(config.target.baseUrl);
      return urlStack(config.target.baseUrl);
    }
    case 'local':
      return startLocalStack({
        config: config.stack,
        rootDir,
        redactor: options.redactor,
        logDir: options.logDir,
        notify: options.notify,
      });
    case 'compose':
      return startComposeStack({
        config: config.stack,
        rootDir,
        secrets: config.secrets,
        redactor: options.redactor,
        logDir: options.logDir,
        notify: options.notify,
      });
  }
}

async function assertReachable(baseUrl: string): Promise<void> {
  try {
    const res = await fetch(baseUrl, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
    await res.arrayBuffer();
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ShakedownError(
      'SHK_TARGET_UNREACHABLE',
      `the target ${baseUrl} does not answer (${cause}). Is it running, and is the URL right?`,
      {
        cause: error,
      },
    );
  }
}
