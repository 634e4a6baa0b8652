import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { k6Rate, loadScenario } from '../../../src/k6/load-script.ts';
import { toK6Thresholds } from '../../../src/k6/script-parts.ts';

/** The `load` section as the config resolves it, defaults filled in. */
const loadSection = (load: Record<string, unknown>) => configSchema.parse({ load }).load;

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
