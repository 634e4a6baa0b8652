import type { RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { sendProblem } from './problem.ts';

// Socket tokens carry their own audience so an API token cannot open a voice socket.
const VOICE_AUDIENCE = 'voice-socket';
export const VOICE_TOKEN_TTL_SEC = 300;

export interface VoiceClaims {
  subject: string;
  sessionId: string;
}

export interface Auth {
  requireBearer: RequestHandler;
  mintVoiceToken(subject: string, sessionId: string): Promise<{ token: string; expiresAt: string }>;
  verifyVoiceToken(token: unknown): Promise<VoiceClaims | undefined>;
}

export function createAuth(jwtSecret: string): Auth {
  const key = new TextEncoder().encode(jwtSecret);

  const requireBearer: RequestHandler = async (req, res, next) => {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(req.get('Authorization') ?? '');
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="voice-api"');
      return sendProblem(res, 401, 'a bearer token is required');
    }
    try {
      // Pinning the algorithm rejects alg:none and key-confusion tokens.
      const { payload } = await jwtVerify(match[1], key, { algorithms: ['HS256'], requiredClaims: ['sub'] });
      res.locals.subject = payload.sub;
      next();
    } catch {
      res.setHeader('WWW-Authenticate', 'Bearer realm="voice-api", error="invalid_token"');
      sendProblem(res, 401, 'the bearer token is invalid or expired');
    }
  };

  return {
    requireBearer,
    async mintVoiceToken(subject, sessionId) {
      const expSec = Math.floor(Date.now() / 1000) + VOICE_TOKEN_TTL_SEC;
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(subject)
        .setAudience(VOICE_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expSec)
        .sign(key);
      return { token, expiresAt: new Date(expSec * 1000).toISOString() };
    },
    async verifyVoiceToken(token) {
      if (typeof token !== 'string') return undefined;
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: VOICE_AUDIENCE,
          requiredClaims: ['sub', 'sid', 'exp'],
        });
        return typeof payload.sid === 'string'
          ? { subject: payload.sub!, sessionId: payload.sid }
          : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
