import { gracefulShutdownScenario } from 'shakedown';
import { voiceSocketAuth } from './support/voice-socket-auth.ts';

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
  socketAuth: voiceSocketAuth,
  graceSec: 30,
});
