import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { type Json, SPEC_PATH } from './helpers.ts';
import { loadSpec, schemaErrors } from './spec-check.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function* operations(spec: Json): Generator<[string, Json]> {
  for (const [path, item] of Object.entries<Json>(spec.paths)) {
    for (const method of METHODS) if (item[method]) yield [`${method.toUpperCase()} ${path}`, item[method]];
  }
}

describe('contracts/voice-api.openapi.yaml', () => {
  it('validates as OpenAPI 3.1', async () => {
    const api = (await SwaggerParser.validate(SPEC_PATH)) as Json;
    expect(api.openapi).toBe('3.1.0');
  });

  it('gives every operation an operationId and documents every error as problem+json', async () => {
    const spec = await loadSpec();
    const ids = new Set<string>();
    for (const [name, operation] of operations(spec)) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      ids.add(operation.operationId);
      for (const [status, response] of Object.entries<Json>(operation.responses)) {
        if (Number(status) >= 400) {
          expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual([
            'application/problem+json',
          ]);
        }
      }
    }
    expect(ids.size).toBe([...operations(spec)].length);
  });

  it('has examples that validate against their own schemas', async () => {
    const spec = await loadSpec();
    let checked = 0;
    for (const [name, operation] of operations(spec)) {
      const bodies = [
        operation.requestBody?.content?.['application/json'],
        ...Object.values<Json>(operation.responses).flatMap((response) =>
          Object.values<Json>(response.content ?? {}),
        ),
      ].filter((media) => media?.examples && media.schema);
      for (const media of bodies) {
        for (const [exampleName, example] of Object.entries<Json>(media.examples)) {
          expect(schemaErrors(media.schema, example.value), `${name} example ${exampleName}`).toEqual([]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('marks readOnly fields, the writeOnly callerRef, and closes response objects', async () => {
    const { components } = await loadSpec();
    const { Session, SessionCreate } = components.schemas;
    expect(Session.additionalProperties).toBe(false);
    // Declared writeOnly on the response schema too, so a leak reads as a writeOnly violation.
    expect(Session.properties.callerRef.writeOnly).toBe(true);
    expect(Session.required).not.toContain('callerRef');
    expect(SessionCreate.properties.callerRef.writeOnly).toBe(true);
    for (const field of ['id', 'createdAt']) expect(Session.properties[field].readOnly).toBe(true);
    expect(Session.properties.createdAt.format).toBe('date-time');
    expect(Session.properties.id.format).toBe('uuid');
  });
});
