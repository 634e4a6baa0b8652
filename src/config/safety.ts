import { isIP } from 'node:net';
import { ShakedownError } from '../errors.ts';

/** True for localhost, 127.0.0.0/8 and ::1 (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.startsWith('::ffff:127.');
  return false;
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
