import { rateLimitScenario } from 'shakedown';

// The reference target's documented limits (examples/voice-api): 10 session creations per 5 minutes
// per client address, probes never limited. Each check sends from its own loopback address, so
// every check starts with a full quota. The 5-minute window is longer than maxWaitSec, so
// `rate-limit.reset` skips here; run the target with RATE_LIMITS=sessions=10/20 to see it reset.
export default rateLimitScenario({
  routes: [
    {
      method: 'POST',
      path: '/v1/sessions',
      body: { language: 'en' },
      limit: 10,
      windowSec: 300,
      scope: 'ip',
    },
  ],
  healthPaths: ['/livez', '/readyz'],
  maxWaitSec: 70,
});
