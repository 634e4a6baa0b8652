import { BlockList, isIP } from 'node:net';
import { ShakedownError } from '../errors.ts';

// BlockList also matches IPv4-mapped IPv6 forms (`::ffff:127.0.0.1`, which URL turns into `::ffff:7f00:1`).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for localhost, 127.0.0.0/8 and ::1, in any spelling (brackets, IPv4-mapped IPv6). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Load, soak and rate-limit traffic goes to loopback unless the host is listed in
 * `target.loadAllowedHosts`: nobody should load-test production by a typo.
 */
export function assertLoadAllowed(url: string, allowedHosts: readonly string[], what: string): void {
  const { hostname } = new URL(url);
  if (isLoopbackHost(hostname)) return;
  const allowed = allowedHosts.some((h) => h.toLowerCase() === hostname.toLowerCase());
  if (allowed) return;
  throw new ShakedownError(
    'SHK_UNSAFE_TARGET',
    `refusing to send ${what} traffic to ${hostname}: it is not a loopback address. If this host is meant to take load, add it to target.loadAllowedHosts (or SHAKEDOWN_LOAD_ALLOWED_HOSTS=${hostname}).`,
  );
}
