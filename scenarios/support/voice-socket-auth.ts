import type { ScenarioContext } from 'shakedown';

/**
 * The reference target's socket handshake: a voice socket needs a voice token, so create a session
 * and ask for its token (from a fresh source address, so it costs no other check's quota).
 */
export async function voiceSocketAuth(ctx: ScenarioContext): Promise<{ token: string | undefined }> {
  const localAddress = ctx.addresses.next();
  const session = await ctx.http.request({ method: 'POST', path: '/v1/sessions', body: {}, localAddress });
  const { id } = session.response?.json<{ id: string }>() ?? { id: '' };
  const token = await ctx.http.request({
    method: 'POST',
    path: '/v1/voice/token',
    body: { sessionId: id },
    localAddress,
  });
  return { token: token.response?.json<{ token: string }>().token };
}
