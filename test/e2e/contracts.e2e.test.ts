import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mintHs256Token } from '../../src/http/jwt.ts';
import type { CheckResult } from '../../src/run/model.ts';
import {
  checksWithId,
  latestRunDir,
  REPO_ROOT,
  readSummary,
  referenceTargetConfig,
  runCli,
  tempDir,
  VOICE_API_SERVER,
  voiceApiConfig,
  writeConfig,
} from '../helpers/cli.ts';

const HOOKS = path.join(REPO_ROOT, 'contracts/*.contract.ts');
const CONTRACT_IDS = [
  'contract.no-server-error',
  'contract.status-documented',
  'contract.content-type',
  'contract.response-schema',
  'contract.response-headers',
  'contract.negative-rejected',
  'contract.auth-enforced',
  'contract.method-not-allowed',
  'contract.links',
  'contract.coverage',
  'contract.spec-lint',
];

interface Target {
  url: string;
  secrets: { JWT_SECRET: string; WEBHOOK_SECRET: string };
  stop(): Promise<void>;
}

/** The reference target with one fault, started by the test so it outlives the run for the curl replay. */
async function startTarget(fault: string): Promise<Target> {
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  };
  const child = spawn(process.execPath, [VOICE_API_SERVER], {
    env: { PATH: process.env.PATH, ...secrets, PORT: '0', VOICE_API_FAULTS: fault, SHUTDOWN_DRAIN_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the target did not start:\n${output}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match =
        /"msg":"listening".*?"url":"([^"]+)"/.exec(output) ??
        /"url":"([^"]+)".*?"msg":"listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
  });
  return {
    url,
    secrets,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A config for a target started elsewhere, its secrets from the environment so the test can mint tokens too. */
function urlStackConfig(): string {
  return referenceTargetConfig({
    secrets: '{ JWT_SECRET: process.env.E2E_JWT_SECRET, WEBHOOK_SECRET: process.env.E2E_WEBHOOK_SECRET }',
    stack: "{ kind: 'url' }",
    extra: `profile: 'quick',
  contracts: { hooks: ${JSON.stringify(HOOKS)} },`,
  });
}

/** Runs a failure's curl line as a user would paste it, with the token exported; returns the HTTP status. */
async function replay(curl: string, token: string): Promise<number> {
  const { stdout } = await promisify(execFile)('/bin/sh', ['-c', curl], {
    env: { PATH: process.env.PATH, SHAKEDOWN_TOKEN: token },
    timeout: 15_000,
  });
  const status = /^HTTP\/[\d.]+ (\d{3})/m.exec(stdout);
  if (!status) throw new Error(`no HTTP status in curl output:\n${stdout}`);
  return Number(status[1]);
}

function operationIdOf(check: CheckResult): string | undefined {
  return (check.evidence?.operation as { operationId?: string } | undefined)?.operationId;
}

/** The operation a check is about; an undocumented method has no operationId. */
function where(check: CheckResult): string {
  const operation = check.evidence?.operation as
    | { operationId?: string; method: string; path: string }
    | undefined;
  return operation?.operationId ?? `${operation?.method} ${operation?.path}`;
}

function failed(checks: CheckResult[]): CheckResult[] {
  return checks.filter((c) => c.verdict === 'fail');
}

describe('shakedown contracts', () => {
  it('passes on the healthy reference target and exercises every operation', async () => {
    const dir = tempDir();
    writeConfig(
      dir,
      voiceApiConfig({ extra: `profile: 'quick', contracts: { hooks: ${JSON.stringify(HOOKS)} },` }),
    );
    const result = await runCli(['contracts'], { cwd: dir, timeoutMs: 90_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

    const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
    const checks = summary.suites.flatMap((s) => s.checks);
    expect(failed(checks)).toEqual([]);
    for (const id of CONTRACT_IDS) expect(checksWithId(summary, id).length, id).toBeGreaterThan(0);
    const coverage = checks.find((c) => c.id === 'contract.coverage' && c.title.startsWith('coverage:'))!;
    expect(coverage.verdict).toBe('pass');
    expect(coverage.evidence).toMatchObject({ exercised: 11, total: 11 });
    // Every operation answered positive, negative and credential-less requests, all validated.
    const schema = checksWithId(summary, 'contract.response-schema');
    expect(schema.map((c) => operationIdOf(c)).sort()).toEqual(
      [
        'createSession',
        'createVoiceToken',
        'deleteSession',
        'getSession',
        'getWebhookEvent',
        'livez',
        'metrics',
        'readyz',
        'receivePaymentWebhook',
        'slowRequest',
        'addTranscript',
      ].sort(),
    );
    expect(checksWithId(summary, 'contract.links').filter((c) => c.verdict === 'pass')).toHaveLength(3);
  }, 120_000);

  // One row per run of the target: the faults switched on, and for each check that must fail, the
  // operations it fails on and one of its errors. Faults share a run only when each breaks a different
  // operation or request kind, so none can change what another's check sees.
  const runs: {
    faults: string[];
    failing: { id: string; operations: string[]; error: RegExp }[];
    alsoFailing: string[];
  }[] = [
    {
      faults: ['contract-drift'],
      failing: [
        {
          id: 'contract.response-schema',
          operations: ['getSession'],
          error: /^\/createdAt: must be string, got integer \d+ \(type, .*voice-api\.openapi\.yaml:\d+\)$/,
        },
      ],
      alsoFailing: [],
    },
    {
      faults: ['contract-undocumented-status'],
      failing: [
        {
          id: 'contract.status-documented',
          operations: ['deleteSession'],
          error: /^status 500 is not documented \(documented: 204, 400, 401, 404, 431, 503\)$/,
        },
      ],
      alsoFailing: ['contract.no-server-error'],
    },
    {
      faults: ['contract-writeonly-leak'],
      failing: [
        {
          id: 'contract.response-schema',
          operations: ['createSession', 'getSession'],
          error:
            /^\/callerRef: is writeOnly in the spec and must not appear in a response \(writeOnly, .*voice-api\.openapi\.yaml:\d+\)$/,
        },
      ],
      alsoFailing: [],
    },
    {
      faults: ['auth-off'],
      failing: [
        {
          id: 'contract.auth-enforced',
          operations: ['getSession'],
          error: /^answered 200, expected 401 or 403$/,
        },
      ],
      alsoFailing: [],
    },
    {
      // A GET answer, a POST header and an undocumented method: three things no other check reads.
      faults: ['contract-wrong-content-type', 'contract-missing-header', 'contract-method-fallthrough'],
      failing: [
        {
          id: 'contract.content-type',
          operations: ['getSession'],
          error:
            /^Content-Type text\/html; charset=utf-8 is not documented for 200 \(documented: application\/json\)$/,
        },
        {
          id: 'contract.response-headers',
          operations: ['createSession'],
          error: /^header Location: is required but missing$/,
        },
        {
          id: 'contract.method-not-allowed',
          operations: ['PATCH /v1/sessions/{id}'],
          error:
            /^answered 200 to a method the spec does not document for \/v1\/sessions\/\{id\}: an undocumented operation$/,
        },
      ],
      alsoFailing: [],
    },
    {
      // The broken ids only reach positive and link requests; negative requests never use them. The
      // operations behind the links are never exercised successfully, which coverage warns about.
      faults: ['contract-broken-link', 'contract-no-validation'],
      failing: [
        {
          id: 'contract.links',
          operations: ['createSession', 'createSession', 'createSession'],
          error:
            /^getSession answered 404 with the values the link passes \(path id=[0-9a-f-]{36}\); expected a 2xx$/,
        },
        {
          id: 'contract.negative-rejected',
          operations: ['createSession'],
          error: /^answered 201, expected a 4xx$/,
        },
      ],
      alsoFailing: [],
    },
  ];
  for (const { faults, failing, alsoFailing } of runs) {
    const expected = failing
      .map(({ id, operations }) => `${id} on ${[...new Set(operations)].join(' and ')}`)
      .join(', ');
    it(`fails ${expected} with ${faults.join(' + ')}, and the curl repro shows the same status`, async () => {
      const target = await startTarget(faults.join(','));
      try {
        const dir = tempDir();
        writeConfig(dir, urlStackConfig());
        const env = {
          E2E_JWT_SECRET: target.secrets.JWT_SECRET,
          E2E_WEBHOOK_SECRET: target.secrets.WEBHOOK_SECRET,
        };
        const result = await runCli(['contracts', '--target', target.url], {
          cwd: dir,
          env,
          timeoutMs: 90_000,
        });
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);

        const summary = readSummary(latestRunDir(path.join(dir, 'reports')));
        const failures = failed(summary.suites.flatMap((s) => s.checks));
        expect([...new Set(failures.map((c) => c.id))].sort()).toEqual(
          [...failing.map((f) => f.id), ...alsoFailing].sort(),
        );
        const token = await mintHs256Token(target.secrets.JWT_SECRET);
        for (const { id, operations, error } of failing) {
          const mine = failures.filter((c) => c.id === id);
          expect(
            mine.map((c) => where(c)),
            id,
          ).toEqual(operations);

          const evidence = mine[0].evidence!;
          expect(
            evidence.errors?.some((e) => error.test(e)),
            (evidence.errors ?? []).join('\n'),
          ).toBe(true);
          expect(evidence.curl).toMatch(/^curl /);
          expect(evidence.curl).not.toContain(target.secrets.JWT_SECRET);
          expect(await replay(evidence.curl!, token), id).toBe(evidence.response?.status);
        }
      } finally {
        await target.stop();
      }
    }, 120_000);
  }

  it('exits 2 naming the file, pointer and line of an invalid spec', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const dir = tempDir();
    const spec = path.join(dir, 'broken.openapi.yaml');
    writeFileSync(
      spec,
      `openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {}\n`,
    );
    writeConfig(
      dir,
      `export default { target: { openapi: ${JSON.stringify(spec)} }, stack: { kind: 'url' } };\n`,
    );
    const result = await runCli(['contracts', '--target', `http://127.0.0.1:${port}`], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    server.close();
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
    expect(result.stderr + result.stdout).toMatch(
      /broken\.openapi\.yaml: \/paths\/~1x\/get\/responses\/200 must have required property 'description' \(line 7\)/,
    );
  }, 60_000);
});
