import { gracefulShutdownScenario } from 'shakedown';

// SIGTERM to the reference target while it is busy: two keep-alive connections streaming requests,
// three 3-second requests in flight and two voice sockets open. It must flip /readyz to 503, finish
// the work, close every connection cleanly and exit 0 well within Kubernetes' 30 s grace period; then
// again with a second SIGTERM mid-drain. The target is restarted afterwards for the suites that follow.
export default gracefulShutdownScenario({
  slowPath: '/v1/slow?ms=3000',
  keepAlivePath: '/v1/slow?ms=250',
  readyPath: '/readyz',
  livePath: '/livez',
  socketNamespace: '/voice',
  // A voice socket needs a voice token: create a session, then ask for its token.
  socketAuth: async (ctx) => {
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
  },
  graceSec: 30,
});
