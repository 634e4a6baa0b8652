import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHAKEDOWN_IMPORT } from '../helpers/cli.ts';
import { runScenario, scenarioProject, scenarioSource, verdicts } from './scenario-matrix.ts';

/**
 * A second webhook receiver, for what the reference target (Stripe's scheme, its bugs planted in
 * examples/voice-api, see scenarios-webhook.e2e.test.ts) cannot show: a second scheme (Standard
 * Webhooks, base64 signatures over `id.timestamp.body`), where a future timestamp is a failure
 * rather than a warn, and a receiver that never verifies and so also lets malformed signatures
 * through (a 2xx, not the 5xx of `webhook-500-on-malformed`). A real HTTP process on loopback,
 * started by the local stack like any target; BUGS switches the bugs on.
 */
const RECEIVER = `import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

const SECRET = process.env.WEBHOOK_SECRET;
const BUGS = new Set((process.env.BUGS ?? '').split(',').filter(Boolean));
const TOLERANCE_SEC = 300;
const applied = new Map();

// { id, timestampSec, signatures, expected } or a refusal string.
function standard(headers, raw) {
  const id = headers['webhook-id'];
  const t = headers['webhook-timestamp'];
  const signatures = (headers['webhook-signature'] ?? '')
    .split(' ')
    .map((part) => part.split(','))
    .filter(([version]) => version === 'v1')
    .map(([, value]) => value ?? '');
  if (!id || !t || !/^\\d+$/.test(t) || signatures.length === 0) return 'malformed webhook headers';
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(id + '.' + t + '.').update(raw).digest('base64');
  return { id, timestampSec: Number(t), signatures, expected };
}

function verify(headers, raw) {
  const delivery = standard(headers, raw);
  if (typeof delivery === 'string') return delivery;
  const ageSec = Math.floor(Date.now() / 1000) - delivery.timestampSec;
  const tooFar = BUGS.has('future-ok') ? ageSec > TOLERANCE_SEC : Math.abs(ageSec) > TOLERANCE_SEC;
  if (tooFar) return 'timestamp outside the tolerance';
  if (!BUGS.has('no-verify') && !delivery.signatures.includes(delivery.expected)) return 'bad signature';
  return delivery;
}

createServer((req, res) => {
  const send = (status, body) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.url === '/livez' || req.url === '/readyz') return send(200, { status: 'ok' });
  const probe = /^\\/events\\/([^/]+)$/.exec(req.url);
  if (probe) return send(200, { applied: applied.get(decodeURIComponent(probe[1])) ?? 0 });
  if (req.method !== 'POST' || req.url !== '/hook') return send(404, { error: 'not found' });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const outcome = verify(req.headers, Buffer.concat(chunks).toString('utf8'));
    if (typeof outcome === 'string') return send(400, { error: outcome });
    const duplicate = applied.has(outcome.id);
    if (!duplicate) applied.set(outcome.id, 1);
    send(200, { received: true, duplicate });
  });
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function receiverProject(bugs: string[]): string {
  const config = `import { randomBytes } from 'node:crypto';
import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

const secrets = { WEBHOOK_SECRET: 'whsec_' + randomBytes(24).toString('base64') };

export default defineConfig({
  secrets,
  stack: {
    kind: 'local',
    command: ['node', 'receiver.mjs'],
    env: { ...secrets, BUGS: ${JSON.stringify(bugs.join(','))} },
  },
  scenarios: { dir: 'scenarios' },
  profile: 'quick',
  reporters: ['console', 'json'],
});
`;
  const source = scenarioSource(
    'webhookReplayScenario',
    "{ path: '/hook', scheme: 'standard-webhooks', probe: { path: '/events/{id}' } }",
  );
  const dir = scenarioProject({ name: 'webhook-replay', source, config });
  writeFileSync(path.join(dir, 'receiver.mjs'), RECEIVER);
  return dir;
}

// Each row: the receiver's bugs, and the checks that must fail (all others must not).
const ROWS: Array<[bugs: string[], fails: string[]]> = [
  [[], []],
  // Unlike Stripe's, the Standard Webhooks libraries refuse future timestamps: a fail, not a warn.
  [['future-ok'], ['webhook.future-rejected']],
  // Nothing verified at all: forgeries and malformed base64 signatures alike are accepted (2xx).
  [
    ['no-verify'],
    [
      'webhook.tampered-rejected',
      'webhook.wrong-secret-rejected',
      'webhook.other-timestamp-rejected',
      'webhook.malformed-4xx',
    ],
  ],
];

describe('webhook-replay scenario against a Standard Webhooks receiver with switchable bugs', () => {
  it.each(ROWS.map(([bugs, fails]) => [bugs.join(',') || 'healthy', bugs, fails] as const))(
    '%s',
    async (_name, bugs, fails) => {
      const run = await runScenario(receiverProject(bugs), 'webhook-replay');
      const report = run.checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
      expect(run.summary.error, report).toBeUndefined();
      expect(
        run.checks
          .filter((c) => c.verdict === 'fail')
          .map((c) => c.id)
          .sort(),
        report,
      ).toEqual([...fails].sort());
      expect(run.cli.code, report).toBe(fails.length > 0 ? 1 : 0);
      if (bugs.length === 0) {
        const v = verdicts(run);
        // Standard Webhooks has no v0 scheme: that check skips with the reason, everything else passes.
        expect(
          Object.keys(v).filter((id) => v[id] !== 'pass'),
          report,
        ).toEqual(['webhook.v0-only-rejected']);
      }
      if (bugs.includes('no-verify')) {
        const malformed = run.checks.find((c) => c.id === 'webhook.malformed-4xx')!;
        expect(malformed.message, report).toMatch(/v1: empty signature → 200/);
      }
    },
    60_000,
  );
});
