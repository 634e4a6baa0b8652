import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { positiveRequests } from '../../../src/contract/generate.ts';
import { negativeRequests } from '../../../src/contract/negative.ts';
import { planPhases } from '../../../src/contract/plan.ts';
import { toHttpOptions } from '../../../src/contract/request.ts';
import { ValuePool } from '../../../src/contract/values.ts';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import type { Operation } from '../../../src/openapi/operations.ts';
import { REPO_ROOT } from '../../helpers/cli.ts';

let spec: ApiSpec;
const op = (id: string): Operation => spec.operations.find((o) => o.operationId === id)!;

beforeAll(async () => {
  spec = await loadSpec(path.join(REPO_ROOT, 'contracts/voice-api.openapi.yaml'));
});

describe('positive requests', () => {
  it('come from the examples first, then from the schema', () => {
    const requests = positiveRequests(spec, op('createSession'), new ValuePool(), 2);
    expect(requests.map((r) => r.label)).toEqual([
      'example "full"',
      'example "minimal"',
      'generated from the schema',
    ]);
    expect(requests[0].request.body).toEqual({ language: 'en-US', agent: 'billing', callerRef: 'crm-4711' });
    // The generated body is valid against the request schema (the sampler honours the pattern).
    expect(
      spec.validator.validate(
        'request',
        op('createSession').requestBody!.content[0].schemaPointer!,
        requests[2].request.body,
      ),
    ).toEqual([]);
  });

  it('are the same run after run (seeded, deterministic)', () => {
    const once = positiveRequests(spec, op('addTranscript'), new ValuePool(), 2);
    const twice = positiveRequests(spec, op('addTranscript'), new ValuePool(), 2);
    expect(twice).toEqual(once);
  });

  it('fill path parameters and id fields from resources the run created', () => {
    const pool = new ValuePool();
    pool.learn(op('createSession'), {}, { id: 'a1b2c3d4-0000-4000-8000-000000000001', status: 'active' });
    const [get] = positiveRequests(spec, op('getSession'), pool, 1);
    expect(get.request.pathParams).toEqual({ id: 'a1b2c3d4-0000-4000-8000-000000000001' });
    const [token] = positiveRequests(spec, op('createVoiceToken'), pool, 1);
    expect(token.request.body).toEqual({ sessionId: 'a1b2c3d4-0000-4000-8000-000000000001' });
  });

  it('serialize to an HTTP request with the base path, query and media type', () => {
    const [slow] = positiveRequests(spec, op('slowRequest'), new ValuePool(), 1);
    expect(toHttpOptions(op('slowRequest'), slow.request, '/api', 1000)).toMatchObject({
      method: 'GET',
      path: '/api/v1/slow?ms=250',
      auth: true,
      timeoutMs: 1000,
    });
    const [create] = positiveRequests(spec, op('createSession'), new ValuePool(), 1);
    const options = toHttpOptions(op('createSession'), create.request, '', 1000);
    expect(options.headers).toEqual({ 'content-type': 'application/json' });
    expect(options.body).toBe('{"language":"en-US","agent":"billing","callerRef":"crm-4711"}');
  });
});

describe('negative requests', () => {
  const labels = (id: string) => {
    const [first] = positiveRequests(spec, op(id), new ValuePool(), 1);
    return negativeRequests(spec, op(id), first.request).map((c) => `${c.category}: ${c.label}`);
  };

  it('break one thing each: a required field, a type, a range', () => {
    expect(labels('addTranscript')).toEqual([
      'missing-required: body without the required property "seq"',
      'wrong-type: body property "seq" with a wrong type (schema: integer)',
      'out-of-range: body property "seq" = -1 (minimum 0)',
    ]);
  });

  it('cover query and path parameters', () => {
    expect(labels('slowRequest')).toEqual([
      'wrong-type: query parameter "ms" with a wrong type (schema: integer)',
      'out-of-range: query parameter "ms" = 30001 (maximum 30000)',
    ]);
    expect(labels('getSession')).toEqual(['out-of-range: path parameter "id" = "not-a-uuid" (format uuid)']);
  });

  it('leave out categories with nothing to break, and are really invalid', () => {
    expect(labels('createSession').map((l) => l.split(':')[0])).toEqual(['wrong-type', 'out-of-range']);
    const [first] = positiveRequests(spec, op('createSession'), new ValuePool(), 1);
    const pointer = op('createSession').requestBody!.content[0].schemaPointer!;
    for (const c of negativeRequests(spec, op('createSession'), first.request))
      expect(spec.validator.isValid('request', pointer, c.request.body)).toBe(false);
    expect(labels('livez')).toEqual([]);
  });
});

describe('planPhases', () => {
  it('runs creators first, users of their ids next, and every DELETE last', () => {
    const phases = planPhases(spec).map((phase) => phase.map((o) => o.operationId));
    const phaseOf = (id: string) => phases.findIndex((p) => p.includes(id));
    expect(phaseOf('createSession')).toBe(0);
    for (const id of ['getSession', 'addTranscript', 'createVoiceToken'])
      expect(phaseOf(id)).toBeGreaterThan(phaseOf('createSession'));
    expect(phases.at(-1)).toEqual(['deleteSession']);
    expect(phases.flat().sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
  });
});

describe('planPhases with state-changing actions', () => {
  it('runs an action on a resource alone, after every read of it', async () => {
    const things = await loadSpec(path.join(REPO_ROOT, 'test/fixtures/openapi/things.openapi.yaml'));
    const phases = planPhases(things).map((phase) => phase.map((o) => o.operationId));
    expect(phases).toEqual([['health', 'createThing'], ['getThing'], ['closeThing']]);
  });

  it('puts PUT, PATCH and sub-resource POSTs of the reference target after its reads, one at a time', () => {
    const phases = planPhases(spec).map((phase) => phase.map((o) => o.operationId));
    const phaseOf = (id: string) => phases.findIndex((p) => p.includes(id));
    const changing = spec.operations.filter(
      (o) => ['PUT', 'PATCH'].includes(o.method) || (o.method === 'POST' && o.path.includes('{')),
    );
    expect(changing.length).toBeGreaterThan(0);
    for (const o of changing) {
      expect(phases[phaseOf(o.operationId!)]).toEqual([o.operationId]);
      expect(phaseOf(o.operationId!)).toBeGreaterThan(phaseOf('getSession'));
    }
  });
});
