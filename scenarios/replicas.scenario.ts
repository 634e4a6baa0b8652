import { replicasScenario } from 'shakedown';
import { voiceSocketAuth } from './support/voice-socket-auth.ts';

// What only the composed stack (docker-compose.test.yml: two voice-api replicas behind a load balancer,
// sharing Redis) can show: the session quota (10 per 5 minutes per client) holds for the whole stack;
// a rolling restart under load and live voice sessions goes unnoticed; readiness follows Redis. On
// the local and url stacks every check is skipped: run `shakedown scenarios replicas --stack compose`.
export default replicasScenario({
  sharedLimit: { method: 'POST', path: '/v1/sessions', body: { language: 'en' }, limit: 10 },
  rollingRestart: {
    loadPath: '/v1/slow?ms=300',
    connections: 4,
    socketNamespace: '/voice',
    socketClients: 3,
    socketAuth: voiceSocketAuth,
    reconnectWithinSec: 10,
    graceSec: 30,
  },
  readiness: { withinSec: 10, recoverWithinSec: 30 },
});
