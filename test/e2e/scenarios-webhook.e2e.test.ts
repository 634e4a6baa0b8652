import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readSummary, runCli, tempDir } from '../helpers/cli.ts';
import {
  expectDetection,
  type MatrixRow,
  runScenario,
  scenarioProject,
  scenarioSource,
  verdicts,
} from './scenario-matrix.ts';

const IDS = [
  'webhook.valid-accepted',
  'webhook.replay-deduplicated',
  'webhook.concurrent-deduplicated',
  'webhook.retry-deduplicated',
  'webhook.stale-rejected',
  'webhook.fresh-accepted',
  'webhook.future-rejected',
  'webhook.tampered-rejected',
  'webhook.wrong-secret-rejected',
  'webhook.other-timestamp-rejected',
  'webhook.v0-only-rejected',
  'webhook.malformed-4xx',
  'webhook.rotation',
  'webhook.raw-body',
  'webhook.no-signature-echo',
];

// The secret comes from the config's `secrets.WEBHOOK_SECRET` (the default secretName), fresh per run.
const SOURCE = scenarioSource(
  'webhookReplayScenario',
  `{
  path: '/v1/webhooks/payments',
  scheme: 'stripe',
  probe: { path: '/v1/webhooks/events/{id}', count: (body) => body.applied },
}`,
);

const ROWS: MatrixRow[] = [
  { faults: [], fails: [] },
  {
    faults: ['webhook-no-dedupe'],
    fails: ['webhook.replay-deduplicated', 'webhook.concurrent-deduplicated', 'webhook.retry-deduplicated'],
    note: 'no de-duplication at all: replays, racing duplicates and re-signed retries are all applied again',
  },
  // A future timestamp is accepted too, which is a warn for Stripe (its own libraries accept it).
  {
    faults: ['webhook-stale-ok'],
    fails: ['webhook.stale-rejected'],
    others: { 'webhook.future-rejected': 'warn' },
  },
  { faults: ['webhook-reserialize'], fails: ['webhook.raw-body'] },
  {
    faults: ['webhook-500-on-malformed'],
    fails: ['webhook.malformed-4xx', 'webhook.v0-only-rejected'],
    note: 'the naive parser also crashes on a header with only a v0 signature',
  },
  {
    faults: ['webhook-no-verify'],
    fails: ['webhook.tampered-rejected', 'webhook.wrong-secret-rejected', 'webhook.other-timestamp-rejected'],
    note: 'any well-formed v1 passes: every forgery is accepted; malformed v1 values are still refused by form',
  },
  { faults: ['webhook-first-signature-only'], fails: ['webhook.rotation'] },
  { faults: ['webhook-echo-signature'], fails: ['webhook.no-signature-echo'] },
  { faults: ['webhook-accept-v0'], fails: ['webhook.v0-only-rejected'] },
  {
    faults: ['webhook-short-tolerance'],
    fails: ['webhook.fresh-accepted'],
    // Its first attempt is signed 60 s ago and refused: nothing to de-duplicate.
    others: { 'webhook.retry-deduplicated': 'skip' },
  },
  {
    faults: ['webhook-reject-all'],
    fails: ['webhook.valid-accepted'],
    note: 'the checks that need an accepted delivery skip: their first delivery, or a control one, is refused too',
    others: Object.fromEntries(
      [
        'webhook.replay-deduplicated',
        'webhook.concurrent-deduplicated',
        'webhook.retry-deduplicated',
        'webhook.fresh-accepted',
        'webhook.rotation',
        'webhook.raw-body',
      ].map((id) => [id, 'skip' as const]),
    ),
  },
];

describe('webhook-replay scenario against the reference target (detection matrix)', () => {
  it.each(ROWS.map((row) => [row.faults.join(',') || 'healthy', row] as const))(
    '%s',
    async (_name, row) => {
      const dir = scenarioProject({ name: 'webhook-replay', source: SOURCE, faults: row.faults });
      const run = await runScenario(dir, 'webhook-replay');
      expectDetection(run, row, IDS);
      const v = verdicts(run);
      if (row.faults.length === 0) {
        expect(Object.values(v), JSON.stringify(v)).toEqual(IDS.map(() => 'pass'));
      }
      // The signing secret never reaches the run's output, whatever was refused.
      expect(run.cli.stdout).not.toMatch(/whsec_[A-Za-z0-9+/]{8}/);
      expect(JSON.stringify(run.summary)).not.toMatch(/whsec_[A-Za-z0-9+/]{8}/);
    },
    60_000,
  );

  it("the repo's own scenarios/webhook-replay.scenario.ts passes on the default config", async () => {
    const out = tempDir();
    const cli = await runCli(['scenarios', 'webhook-replay', '--out', out], {
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    });
    const checks = readSummary(`${out}/latest`).suites.flatMap((s) => s.checks);
    const table = checks.map((c) => `${c.id} ${c.verdict}: ${c.message}`).join('\n');
    expect(cli.code, `${table}\n${cli.stderr}`).toBe(0);
    expect(checks.map((c) => c.id)).toEqual(IDS);
    expect(
      checks.every((c) => c.verdict === 'pass'),
      table,
    ).toBe(true);
  }, 60_000);

  it('without a probe, the de-duplication checks skip with the reason instead of guessing', async () => {
    const dir = scenarioProject({
      name: 'webhook-replay',
      source: scenarioSource('webhookReplayScenario', "{ path: '/v1/webhooks/payments', scheme: 'stripe' }"),
      faults: ['webhook-no-dedupe'],
    });
    const run = await runScenario(dir, 'webhook-replay');
    const v = verdicts(run);
    for (const id of [
      'webhook.replay-deduplicated',
      'webhook.concurrent-deduplicated',
      'webhook.retry-deduplicated',
    ]) {
      expect(v[id]).toBe('skip');
      expect(run.checks.find((c) => c.id === id)?.message).toContain('no probe configured');
    }
    expect(run.cli.code).toBe(0);
  }, 60_000);

  it.each([
    [
      'a secretName missing from the config',
      "{ path: '/v1/webhooks/payments', scheme: 'stripe', secretName: 'PAYMENTS_WEBHOOK_SECRET' }",
      'secrets.PAYMENTS_WEBHOOK_SECRET is not set',
    ],
    [
      'an event factory that repeats its id',
      "{ path: '/v1/webhooks/payments', scheme: 'stripe', event: () => ({ id: 'evt_fixed', type: 't', data: {} }) }",
      'event() returned the id evt_fixed twice',
    ],
  ])(
    '%s is bad input (exit 2), with the fix in the message',
    async (_name, options, message) => {
      const dir = scenarioProject({
        name: 'webhook-replay',
        source: scenarioSource('webhookReplayScenario', options),
      });
      const cli = await runCli(['scenarios', 'webhook-replay'], { cwd: dir, timeoutMs: 60_000 });
      const output = cli.stdout + cli.stderr;
      expect(cli.code, output).toBe(2);
      expect(output).toContain(message);
    },
    60_000,
  );
});
