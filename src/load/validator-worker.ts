/**
 * Validates sampled load responses against the spec in a thread of its own, so the schema work never
 * delays the generator's sends or the main thread's windows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSpec } from '../openapi/load.ts';
import { checkResponse } from '../openapi/response.ts';
import type { SampledResponse } from './protocol.ts';

export interface ValidatorInit {
  specFile: string;
  /** Per route index: the operation key and method. */
  routes: { operation?: string; method: string }[];
}

export interface ValidationVerdict {
  sample: SampledResponse;
  /** One readable line per broken rule, `status-documented: status 503 is not documented …`. */
  problems: string[];
}

const port = parentPort!;
const init = workerData as ValidatorInit;
const spec = await loadSpec(init.specFile);
const operations = init.routes.map((r) => spec.operations.find((op) => op.key === r.operation));

port.on('message', (samples: SampledResponse[]) => {
  const verdicts: ValidationVerdict[] = samples.map((sample) => {
    const op = operations[sample.route];
    if (!op) return { sample, problems: [] };
    const findings = checkResponse(
      spec,
      op,
      { status: sample.status, headers: sample.headers, body: sample.body },
      { method: init.routes[sample.route].method },
    );
    const problems = Object.entries(findings.failures).flatMap(([check, messages]) =>
      (messages ?? []).map((m) => `${check}: ${m}`),
    );
    return { sample, problems };
  });
  port.postMessage(verdicts);
});
port.postMessage('ready');
