import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHAKEDOWN_IMPORT } from '../helpers/cli.ts';
import { runScenario, scenarioProject, scenarioSource, verdicts } from './scenario-matrix.ts';

/**
 * A second webhook receiver, for what the reference target cannot show: bugs it does not plant
 * (signatures never verified, only the first signature tried, the expected signature echoed, a
 * short tolerance, v0 trusted, everything refused) and a second scheme (Standard Webhooks). A real
 * HTTP process on loopback, started by the local stack like any target; BUGS switches the bugs on.
 */
const RECEIVER = `import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

const SECRET = process.env.WEBHOOK_SECRET;
const SCHEME = process.env.SCHEME;
const BUGS = new Set((process.env.BUGS ?? '').split(',').filter(Boolean));
const TOLERANCE_SEC = BUGS.has('short-tolerance') ? 30 : 300;
const applied = new Map();

function signed() {
  return SCHEME === 'stripe' ? stripe : standard;
}

// Each returns { id, timestampSec, signatures, expected } or a refusal string.
function stripe(headers, raw) {
  const items = (headers['stripe-signature'] ?? '').split(',').map((item) => item.split('='));
  const t = items.find(([k]) => k === 't')?.[1];
  const versions = BUGS.has('accept-v0') ? ['v1', 'v0'] : ['v1'];
  const signatures = items.filter(([k]) => versions.includes(k)).map(([, v]) => v ?? '');
  if (!t || !/^\\d+$/.test(t) || signatures.length === 0) return 'malformed Stripe-Signature';
  const expected = createHmac('sha256', SECRET).update(t + '.').update(raw).digest('hex');
  return { id: JSON.parse(raw).id, timestampSec: Number(t), signatures, expected };
}

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
  if (BUGS.has('reject-everything')) return 'refused';
  let delivery;
  try {
    delivery = signed()(headers, raw);
  } catch {
    return 'the payload is not JSON';
  }
  if (typeof delivery === 'string') return delivery;
  const ageSec = Math.floor(Date.now() / 1000) - delivery.timestampSec;
  const tooFar = BUGS.has('future-ok') ? ageSec > TOLERANCE_SEC : Math.abs(ageSec) > TOLERANCE_SEC;
  if (tooFar) return 'timestamp outside the tolerance';
  const candidates = BUGS.has('first-signature-only') ? delivery.signatures.slice(0, 1) : delivery.signatures;
  if (!BUGS.has('no-verify') && !candidates.includes(delivery.expected)) {
    return BUGS.has('echo-expected') ? 'bad signature, expected ' + delivery.expected : 'bad signature';
  }
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
    const raw = Buffer.concat(chunks).toString('utf8');
    const outcome = verify(req.headers, raw);
    if (typeof outcome === 'string') return send(400, { error: outcome });
    const duplicate = applied.has(outcome.id);
    if (!duplicate) applied.set(outcome.id, 1);
    send(200, { received: true, duplicate });
  });
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function receiverProject(scheme: 'stripe' | 'standard-webhooks', bugs: string[]): string {
  const config = `import { randomBytes } from 'node:crypto';
import { defineConfig } from ${JSON.stringify(SHAKEDOWN_IMPORT)};

const secrets = { WEBHOOK_SECRET: 'whsec_' + randomBytes(24).toString('base64') };

export default defineConfig({
  secrets,
  stack: {
    kind: 'local',
    command: ['node', 'receiver.mjs'],
    env: { ...secrets, SCHEME: ${JSON.stringify(scheme)}, BUGS: ${JSON.stringify(bugs.join(','))} },
  },
  scenarios: { dir: 'scenarios' },
  profile: 'quick',
  reporters: ['console', 'json'],
});
`;
  const source = scenarioSource(
    'webhookReplayScenario',
    `{ path: '/hook', scheme: ${JSON.stringify(scheme)}, probe: { path: '/events/{id}' } }`,
  );
  const dir = scenarioProject({ name: 'webhook-replay', source, config });
  writeFileSync(path.join(dir, 'receiver.mjs'), RECEIVER);
  return dir;
}

// Each row: the scheme, the receiver's bugs, and the checks that must fail (all others must not).
const ROWS: Array<[scheme: 'stripe' | 'standard-webhooks', bugs: string[], fails: string[]]> = [
  ['stripe', [], []],
  [
    'stripe',
    ['no-verify'],
    [
      'webhook.tampered-rejected',
      'webhook.wrong-secret-rejected',
      'webhook.other-timestamp-rejected',
      'webhook.malformed-4xx',
    ],
  ],
  ['stripe', ['first-signature-only'], ['webhook.rotation']],
  ['stripe', ['echo-expected'], ['webhook.no-signature-echo']],
  ['stripe', ['short-tolerance'], ['webhook.fresh-accepted']],
  ['stripe', ['accept-v0'], ['webhook.v0-only-rejected']],
  // Fresh-accepted, rotation and raw-body see a plain control delivery refused too, and skip.
  ['stripe', ['reject-everything'], ['webhook.valid-accepted']],
  ['standard-webhooks', [], []],
  // Unlike Stripe's, the Standard Webhooks libraries refuse future timestamps: a fail, not a warn.
  ['standard-webhooks', ['future-ok'], ['webhook.future-rejected']],
];

describe('webhook-replay scenario against a receiver with switchable bugs', () => {
  it.each(
    ROWS.map(
      ([scheme, bugs, fails]) => [`${scheme}, ${bugs.join(',') || 'healthy'}`, scheme, bugs, fails] as const,
    ),
  )(
    '%s',
    async (_name, scheme, bugs, fails) => {
      const run = await runScenario(receiverProject(scheme, bugs), 'webhook-replay');
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
        const expected = scheme === 'stripe' ? [] : ['webhook.v0-only-rejected'];
        expect(
          Object.keys(v).filter((id) => v[id] !== 'pass'),
          report,
        ).toEqual(expected);
      }
    },
    60_000,
  );
});
