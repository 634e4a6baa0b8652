import { SignJWT } from 'jose';

/**
 * Mints an HS256 bearer token with a shared secret: how a harness that generated the target's
 * JWT_SECRET for the run authenticates without any login flow.
 */
export async function mintHs256Token(
  secret: string,
  claims: { sub?: string; expiresInSec?: number; [claim: string]: unknown } = {},
): Promise<string> {
  const { sub = 'shakedown', expiresInSec = 3600, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${expiresInSec}s`)
    .sign(new TextEncoder().encode(secret));
}
