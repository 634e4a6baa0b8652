import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { k6Tags } from '../../../src/load/engine.ts';
import { resolveRequestMix, weightedSequence } from '../../../src/load/mix.ts';
import { resolveLoadPlan, Timetable } from '../../../src/load/plan.ts';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import { REPO_ROOT } from '../../helpers/cli.ts';

let spec: ApiSpec;
beforeAll(async () => {
  spec = await loadSpec(path.join(REPO_ROOT, 'contracts/voice-api.openapi.yaml'));
});

const config = (load: Record<string, unknown>) => resolveConfig({ load });

describe('the open model timetable', () => {
  it('spaces a constant rate evenly and holds exactly rate × duration requests', () => {
    const plan = resolveLoadPlan(config({ ratePerSec: 200, durationSec: 3 }).load, {});
    expect(plan.model).toBe('open');
    const t = new Timetable(plan.segments);
    expect(t.total).toBe(600);
    expect(t.at(0)).toBe(0);
    expect(t.at(1)).toBeCloseTo(5, 9);
    expect(t.at(599)).toBeCloseTo(2995, 6);
    expect(t.at(600)).toBeNull();
    expect(t.dueBy(1000)).toBe(200);
    expect(t.dueBy(3000)).toBe(600);
  });

  it('ramps linearly through stages, as k6 ramping-arrival-rate does', () => {
    const plan = resolveLoadPlan(
      config({
        stages: [
          { durationSec: 2, ratePerSec: 100 },
          { durationSec: 1, ratePerSec: 100 },
        ],
      }).load,
      {},
    );
    expect(plan.durationMs).toBe(3000);
    const t = new Timetable(plan.segments);
    // 0→100/s over 2 s is 100 requests, then 100 more at 100/s.
    expect(t.total).toBe(200);
    expect(t.dueBy(1000)).toBe(25);
    // Request 25 is due when ∫ rate = 25, i.e. at 1 s; later requests come closer together.
    expect(t.at(25)).toBeCloseTo(1000, 6);
    expect(t.at(101)! - t.at(100)!).toBeCloseTo(10, 6);
    for (let i = 1; i < 200; i += 1) expect(t.at(i)!).toBeGreaterThan(t.at(i - 1)!);
  });

  it('is the closed model without a rate, and takes --validate and --workers over the config', () => {
    const plan = resolveLoadPlan(config({ connections: 8, requests: 500 }).load, { validate: 1, workers: 2 });
    expect(plan).toMatchObject({
      model: 'closed',
      connections: 8,
      requests: 500,
      validateEvery: 1,
      workers: 2,
    });
  });
});

describe('the request mix', () => {
  it('fills templates from params, then from the spec, and puts other params in the query', () => {
    const mix = resolveRequestMix(
      config({
        routes: [
          { path: '/v1/slow', params: { ms: '5' }, weight: 3 },
          { path: '/v1/sessions/{id}' },
          { method: 'post', path: '/v1/sessions', body: { agent: 'a' }, name: 'create' },
        ],
      }),
      spec,
    );
    expect(mix.source).toBe('config');
    expect(mix.routes[0]).toMatchObject({ name: 'GET /v1/slow', path: '/v1/slow?ms=5', weight: 3 });
    expect(mix.routes[1].path).toMatch(/^\/v1\/sessions\/[^{}]+$/);
    expect(mix.routes[1].operation).toBe('getSession');
    expect(mix.routes[2]).toMatchObject({
      name: 'create',
      method: 'POST',
      body: '{"agent":"a"}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('derives GET routes from the spec when load.routes is empty', () => {
    const mix = resolveRequestMix(config({}), spec);
    expect(mix.source).toBe('spec');
    expect(mix.routes.map((r) => r.name)).toContain('GET /livez');
    expect(mix.routes.every((r) => r.method === 'GET' && !r.path.includes('{'))).toBe(true);
  });

  it('leaves out, and says so, a derived GET whose path parameter has no example; none left is an error', async () => {
    const pets = await loadSpec(path.join(REPO_ROOT, 'test/fixtures/openapi/pets.openapi.yaml'));
    const mix = resolveRequestMix(config({}), pets);
    expect(mix.routes.map((r) => r.name)).toContain('GET /pets');
    expect(mix.routes.map((r) => r.name)).not.toContain('GET /pets/{petId}');
    expect(mix.skipped).toEqual([
      'load.routes: GET /pets/{petId} is left out of the mix derived from the spec: no example for {petId} (list it in load.routes with params to load it).',
    ]);
    const onlyTemplated = {
      ...pets,
      operations: pets.operations.filter((op) => op.path === '/pets/{petId}'),
    };
    expect(() => resolveRequestMix(config({}), onlyTemplated)).toThrow(/GET \/pets\/\{petId\} is left out/);
  });

  it('reports every unknown route and duplicate name at once, by its path in the config', () => {
    expect(() =>
      resolveRequestMix(
        config({
          routes: [{ path: '/v1/nope' }, { path: '/livez', name: 'x' }, { path: '/readyz', name: 'x' }],
        }),
        spec,
      ),
    ).toThrow(/load\.routes\[0\]\.path: GET \/v1\/nope is not an operation[\s\S]*load\.routes\[2\]\.name/);
  });

  it('needs routes or a spec', () => {
    expect(() => resolveRequestMix(config({}), null)).toThrow(/load\.routes: no routes and no OpenAPI/);
  });

  it('interleaves routes by weight', () => {
    expect(weightedSequence([{ weight: 3 }, { weight: 1 }])).toEqual([0, 0, 1, 0]);
    const seq = weightedSequence([{ weight: 1 }, { weight: 1 }, { weight: 2 }]);
    expect(seq.filter((r) => r === 2).length * 2).toBe(seq.length);
  });
});

describe('k6 tags in threshold names', () => {
  it('maps {route:X} to the recorded {route=X}', () => {
    expect(k6Tags('http_req_duration{route:GET /v1/slow}')).toBe('http_req_duration{route=GET /v1/slow}');
    expect(k6Tags('http_req_duration{ status : 200 }')).toBe('http_req_duration{status=200}');
    expect(k6Tags('http_reqs')).toBe('http_reqs');
  });
});
