/**
 * Contract validation speed: validations per second of a typical session response (the reference
 * target's `GET /v1/sessions/{id}` 200), cold (first compile included) and warm, next to the spec's
 * operation count; and how long a generated 200-operation spec takes to load and compile lazily.
 * Goals: warm ≥ 100,000 validations/s on one core; the 200-operation spec loads and compiles in < 1 s.
 *
 *   node bench/contracts.bench.ts [warmSeconds]
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../src/openapi/load.ts';
import { checkResponse } from '../src/openapi/response.ts';

const warmSeconds = Number(process.argv[2] ?? 1);
const SPEC = fileURLToPath(new URL('../contracts/voice-api.openapi.yaml', import.meta.url));

const session = {
  id: '3f1c2f0e-1d2b-4c3a-9b8e-0a1b2c3d4e5f',
  status: 'active',
  language: 'en-US',
  agent: 'billing',
  createdAt: '2026-01-15T09:30:00.000Z',
  transcriptCount: 3,
};

/** Calls `fn` for `seconds` and returns calls per second. */
function perSecond(seconds: number, fn: () => void): number {
  let calls = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) fn();
    calls += 1000;
  }
  return calls / ((performance.now() - started) / 1000);
}

async function sessionResponse() {
  const loadStarted = performance.now();
  const spec = await loadSpec(SPEC);
  const loadMs = performance.now() - loadStarted;
  const op = spec.operations.find((o) => o.operationId === 'getSession')!;
  const pointer = op.responses.find((r) => r.key === '200')!.content![0].schemaPointer!;
  const coldStarted = performance.now();
  const valid = spec.validator.isValid('response', pointer, session);
  const coldMs = performance.now() - coldStarted;
  if (!valid) throw new Error('the benchmark session does not match the spec');
  const warm = perSecond(warmSeconds, () => spec.validator.isValid('response', pointer, session));
  const body = JSON.stringify(session);
  const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1' };
  const full = perSecond(warmSeconds, () => checkResponse(spec, op, { status: 200, headers, body }));
  return { operations: spec.operations.length, loadMs, coldMs, warm, full };
}

/** A spec of `count` operations over `count / 2` resources, each with its own schemas. */
function generatedSpec(count: number): string {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < count / 2; i++) {
    schemas[`Thing${i}`] = {
      type: 'object',
      required: ['id', 'name', 'createdAt'],
      properties: {
        id: { type: 'string', format: 'uuid', readOnly: true },
        name: { type: 'string', maxLength: 64 },
        createdAt: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' } },
        parent: { $ref: `#/components/schemas/Thing${i}` },
      },
    };
    const ok = (status: string) => ({
      [status]: {
        description: 'ok',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/Thing${i}` } } },
      },
      '404': { description: 'missing' },
    });
    paths[`/things${i}/{id}`] = {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      get: { operationId: `getThing${i}`, responses: ok('200') },
      put: {
        operationId: `putThing${i}`,
        requestBody: {
          content: { 'application/json': { schema: { $ref: `#/components/schemas/Thing${i}` } } },
        },
        responses: ok('200'),
      },
    };
  }
  const file = path.join(tmpdir(), `shakedown-bench-${count}-ops.json`);
  writeFileSync(
    file,
    JSON.stringify({
      openapi: '3.1.0',
      info: { title: 'bench', version: '1' },
      paths,
      components: { schemas },
    }),
  );
  return file;
}

async function largeSpec(count: number) {
  const file = generatedSpec(count);
  const started = performance.now();
  const spec = await loadSpec(file);
  const loadMs = performance.now() - started;
  const compileStarted = performance.now();
  const thing = { id: '3f1c2f0e-1d2b-4c3a-9b8e-0a1b2c3d4e5f', name: 'a', createdAt: '2026-01-15T09:30:00Z' };
  for (const op of spec.operations)
    spec.validator.isValid('response', op.responses[0].content![0].schemaPointer!, thing);
  const compileAllMs = performance.now() - compileStarted;
  return { operations: spec.operations.length, loadMs, compileAllMs };
}

// The large spec first: its load then includes compiling the OpenAPI meta-schemas, as in a real run.
const large = await largeSpec(200);
const small = await sessionResponse();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: [string, string][] = [
  ['voice-api spec operations', String(small.operations)],
  ['voice-api spec load', `${small.loadMs.toFixed(1)} ms`],
  [
    'session response, cold (compile + validate)',
    `${small.coldMs.toFixed(2)} ms → ${fmt(1000 / small.coldMs)} validations/s`,
  ],
  ['session response, warm', `${fmt(small.warm)} validations/s (goal ≥ 100,000)`],
  [
    'session response, full check (status, media type, JSON.parse, body, headers)',
    `${fmt(small.full)} checks/s`,
  ],
  [
    `generated spec (${large.operations} operations) load, first in process`,
    `${large.loadMs.toFixed(1)} ms (goal < 1000 ms)`,
  ],
  [
    `generated spec: compile all ${large.operations} response validators`,
    `${large.compileAllMs.toFixed(1)} ms`,
  ],
];
const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
