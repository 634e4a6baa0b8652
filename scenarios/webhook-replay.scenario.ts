import { webhookReplayScenario } from 'shakedown';

// The reference target's Stripe-style receiver (examples/voice-api). Shakedown signs deliveries with
// secrets.WEBHOOK_SECRET from the config, and counts side effects through the service's probe
// endpoint, which reports how many times an event was applied.
export default webhookReplayScenario({
  path: '/v1/webhooks/payments',
  scheme: 'stripe',
  secretName: 'WEBHOOK_SECRET',
  toleranceSec: 300,
  event: () => ({
    id: `evt_${crypto.randomUUID().replaceAll('-', '')}`,
    type: 'payment_intent.succeeded',
    data: { object: { object: 'payment_intent', amount: 1999, currency: 'eur', description: 'Café crème' } },
  }),
  probe: { path: '/v1/webhooks/events/{id}', count: (body) => (body as { applied: number }).applied },
});
