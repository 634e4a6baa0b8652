import type { Logger } from 'pino';
import { createClient } from 'redis';
import { HttpError } from './problem.ts';

export type Redis = ReturnType<typeof createClient>;

/**
 * A client that never blocks the service on Redis: commands fail at once while disconnected
 * (readiness reports it, handlers answer 503) and reconnection goes on in the background.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let lastError = '';
  // Without an 'error' listener node-redis would crash the process on a dropped connection.
  client.on('error', (err: Error) => {
    if (err.message !== lastError) logger.warn({ err: err.message }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
    logger.info('redis ready');
  });
  return client;
}

/**
 * Runs a Redis operation; any failure (offline, connection refused, timeout) becomes a 503, since the
 * dependency is down rather than the request wrong. node-redis raises different error classes for
 * single commands and MULTI, so one wrapper is more reliable than matching error names.
 */
export async function viaRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw new HttpError(503, 'redis is unavailable', { cause: err });
  }
}
