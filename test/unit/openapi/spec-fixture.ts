import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import type { Operation } from '../../../src/openapi/operations.ts';
import { checkResponse, type ResponseFindings } from '../../../src/openapi/response.ts';
import { tempDir } from '../../helpers/cli.ts';

export type Version = '3.0' | '3.1';

const dir = tempDir('shakedown-openapi-');
let counter = 0;

/** Writes a one-operation spec (`GET /thing`, operationId getThing) as YAML and loads it. */
export async function specWith(
  version: Version,
  responses: Record<string, unknown>,
  extra: { components?: Record<string, unknown>; operation?: Record<string, unknown> } = {},
): Promise<{ spec: ApiSpec; op: Operation; file: string }> {
  const document = {
    openapi: version === '3.0' ? '3.0.3' : '3.1.0',
    info: { title: 'fixture', version: '1' },
    paths: { '/thing': { get: { operationId: 'getThing', ...extra.operation, responses } } },
    ...(extra.components ? { components: extra.components } : {}),
  };
  const file = path.join(dir, `spec-${++counter}.yaml`);
  writeFileSync(file, stringify(document));
  const spec = await loadSpec(file);
  return { spec, op: spec.operations[0], file };
}

/** A spec whose 200 response body is `schema` (JSON). */
export function specWithSchema(version: Version, schema: unknown, components?: Record<string, unknown>) {
  return specWith(
    version,
    { '200': { description: 'ok', content: { 'application/json': { schema } } } },
    { components },
  );
}

export function jsonResponse(body: unknown, status = 200, raw?: string) {
  return { status, headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) };
}

/** Every failure message of a set of findings, `check: message`. */
export function failures(findings: ResponseFindings): string[] {
  return Object.entries(findings.failures).flatMap(([check, list]) => list.map((m) => `${check}: ${m}`));
}

export { checkResponse };
