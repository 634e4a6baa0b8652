import { randomBytes } from 'node:crypto';
import { defineConfig, mintHs256Token } from 'shakedown';

// Fresh secrets for every run, handed to the target's environment and to the harness (auth,
// webhook signing). Nothing secret is committed, and every value is redacted from the run's output.
const secrets = {
  JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
  WEBHOOK_SECRET: process.env.WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString('base64')}`,
};

export default defineConfig({
  secrets,
  target: {
    openapi: 'contracts/voice-api.openapi.yaml',
    auth: { type: 'bearer', token: () => mintHs256Token(secrets.JWT_SECRET, { sub: 'shakedown' }) },
  },
  stack: {
    kind: 'local',
    command: ['node', 'examples/voice-api/src/server.ts'],
    env: { ...secrets, SHUTDOWN_DRAIN_MS: '1000', CORS_ORIGINS: 'https://app.example.test' },
    readyUrl: '/readyz',
    redis: true,
  },
  load: {
    // Open model: a fixed arrival rate, latency from each request's due time.
    ratePerSec: 100,
    routes: [
      { path: '/v1/slow', params: { ms: '50' }, weight: 3 },
      { path: '/livez', weight: 1 },
    ],
    thresholds: {
      http_req_duration: ['p(99)<500'],
      'http_req_duration{route:GET /livez}': ['p(95)<250'],
      http_req_failed: ['rate<0.01'],
    },
  },
  profiles: {
    quick: { soak: { durationSec: 60, warmupSec: 10, sessions: 20 }, load: { durationSec: 20 } },
    full: {
      soak: { durationSec: 900, warmupSec: 60, sessions: 200 },
      load: { durationSec: 120, warmupSec: 10 },
    },
  },
});
