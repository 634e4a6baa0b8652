import { connect } from 'node:net';
import { isLoopbackHost } from '../config/safety.ts';

/**
 * Distinct callers on one machine: slot i sends its HTTP requests from 127.250.x.y, so a per-IP rate
 * limiter sees the sessions as the separate clients they stand for. (The scenario engine's addresses
 * live in 127.10–209.x.x, so the two never share a limiter's counters.)
 */
export function sourceAddress(offset: number, slot: number, count: number): string {
  const n = offset + (slot % count);
  return `127.250.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
}

/**
 * How many source addresses the run can really use, and why fewer when it cannot: the target must
 * be on loopback, and the system must route the addresses (Linux does for all of 127.0.0.0/8; macOS
 * needs them aliased).
 */
export async function usableLoopbackSources(
  requested: number,
  baseUrl: string,
): Promise<{ count: number; note?: string }> {
  if (requested === 0) return { count: 0 };
  const url = new URL(baseUrl);
  if (!isLoopbackHost(url.hostname)) {
    return { count: 0, note: `soak.loopbackSources ignored: the target ${url.host} is not on loopback.` };
  }
  const probe = sourceAddress(0, 0, 1);
  const error = await new Promise<string | null>((resolve) => {
    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      localAddress: probe,
    });
    socket.setTimeout(3_000, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  if (error) {
    return {
      count: 0,
      note: `soak.loopbackSources ignored: cannot send from ${probe} on this system (${error}); all sessions share one source address.`,
    };
  }
  return { count: requested };
}
