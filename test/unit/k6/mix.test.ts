import { beforeAll, describe, expect, it } from 'vitest';
import { k6Rate, loadScenario } from '../../../src/k6/load-script.ts';
import { loadSection, resolveRequestMix } from '../../../src/k6/mix.ts';
import { toK6Thresholds } from '../../../src/k6/script-parts.ts';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import { VOICE_API_SPEC } from '../../helpers/cli.ts';

let spec: ApiSpec;
beforeAll(async () => {
  spec = await loadSpec(VOICE_API_SPEC);
});

describe('the k6 export’s request mix', () => {
  it('takes the spec’s GET operations without required parameters when load.routes is empty', () => {
    const mix = resolveRequestMix(loadSection({}), spec);
    expect(mix.map((r) => r.name)).toEqual(['GET /v1/slow', 'GET /livez', 'GET /readyz', 'GET /metrics']);
    expect(mix.every((r) => r.weight === 1 && r.method === 'GET')).toBe(true);
  });

  it('fills a template from params, else from the spec’s examples, and says which value is missing', () => {
    const [given] = resolveRequestMix(
      loadSection({ routes: [{ path: '/v1/sessions/{id}', params: { id: 'a b' } }] }),
      spec,
    );
    expect(given).toMatchObject({ name: 'GET /v1/sessions/{id}', path: '/v1/sessions/a%20b' });
    const [fromSpec] = resolveRequestMix(loadSection({ routes: [{ path: '/v1/sessions/{id}' }] }), spec);
    expect(fromSpec.path).toMatch(/^\/v1\/sessions\/[0-9a-f-]{36}$/);
    expect(() =>
      resolveRequestMix(loadSection({ routes: [{ path: '/v1/things/{thingId}' }] }), spec),
    ).toThrow(/load\.routes\[0\]\.params\.thingId: .* set it in params/);
    expect(() => resolveRequestMix(loadSection({}), null)).toThrow(/load.routes is empty/);
  });

  it('JSON-encodes an object body and labels it, keeping a content type the route sets', () => {
    const [json, text] = resolveRequestMix(
      loadSection({
        routes: [
          { method: 'post', path: '/v1/sessions', body: { language: 'en' } },
          { method: 'POST', path: '/raw', body: 'a=1', headers: { 'Content-Type': 'text/plain' } },
        ],
      }),
      spec,
    );
    expect(json).toMatchObject({
      method: 'POST',
      body: '{"language":"en"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(text.headers).toEqual({ 'Content-Type': 'text/plain' });
  });
});

describe('the k6 scenarios and thresholds of load.ts', () => {
  it('picks the executor from the load model', () => {
    expect(loadScenario(loadSection({ ratePerSec: 2.5, durationSec: 20, connections: 4 }))).toEqual({
      executor: 'constant-arrival-rate',
      rate: 25,
      timeUnit: '10s',
      duration: '20s',
      preAllocatedVUs: 4,
      maxVUs: 1000,
    });
    expect(loadScenario(loadSection({ requests: 500, connections: 5, pipelining: 2 }))).toMatchObject({
      executor: 'shared-iterations',
      vus: 10,
      iterations: 500,
    });
    expect(loadScenario(loadSection({}))).toEqual({ executor: 'constant-vus', vus: 10, duration: '30s' });
    expect(k6Rate(1 / 3)).toEqual({ rate: 20, timeUnit: '60s' });
  });

  it('writes thresholds in k6’s names and syntax; what k6 cannot judge becomes a note', () => {
    const out = toK6Thresholds(
      {
        dropped_requests: ['count<1'],
        'http_req_duration{route:GET /x}': [{ threshold: 'p(95)<200', abortOnFail: true, delayAbortSec: 5 }],
        http_req_failed: ['rate<0.01 over 30s'],
        server_rss_bytes: ['max<500000000'],
      },
      new Set(['dropped_requests', 'http_req_duration', 'http_req_failed']),
    );
    expect(out.thresholds).toEqual({
      dropped_iterations: ['count<1'],
      'http_req_duration{route:GET /x}': [
        { threshold: 'p(95)<200', abortOnFail: true, delayAbortEval: '5s' },
      ],
    });
    expect(out.notes).toEqual([
      'http_req_failed: rate<0.01 over 30s (a window threshold: k6 cannot express it; judged by shakedown k6 import)',
      'server_rss_bytes: max<500000000 (not recorded by this script; judged by shakedown when it has the metric)',
    ]);
  });
});
