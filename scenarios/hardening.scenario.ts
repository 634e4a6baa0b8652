import { hardeningScenario } from 'shakedown';

const someId = '00000000-0000-4000-8000-000000000000';

// The reference target's hardening claims, checked: helmet headers on every status, CORS for
// CORS_ORIGINS only, a 100kb body limit, open probes, bearer auth on every /v1 route but the webhook
// receiver, and fail-fast validation of its secrets.
export default hardeningScenario({
  health: { live: '/livez', ready: '/readyz' },
  // 429 comes from exhausting the session quota (10 per 5 minutes) from a fresh source address.
  probes: { tooMany: { method: 'POST', path: '/v1/sessions', body: {}, maxRequests: 50 } },
  // Simple cross-origin GETs go to the readiness probe: open, cheap, and CORS is global in this app.
  cors: { allowedOrigins: ['https://app.example.test'], path: '/readyz' },
  bodyLimit: { method: 'POST', path: '/v1/sessions', bytes: 100 * 1024 },
  protectedRoutes: [
    { method: 'POST', path: '/v1/sessions' },
    { method: 'GET', path: `/v1/sessions/${someId}` },
    { method: 'DELETE', path: `/v1/sessions/${someId}` },
    { method: 'POST', path: `/v1/sessions/${someId}/transcripts` },
    { method: 'POST', path: '/v1/voice/token' },
    { method: 'GET', path: '/v1/webhooks/events/evt_shakedown' },
    { method: 'GET', path: '/v1/slow?ms=0' },
  ],
  startup: {
    requiredSecrets: ['JWT_SECRET', 'WEBHOOK_SECRET'],
    placeholders: ['changeme', 'whsec_changeme'],
  },
});
