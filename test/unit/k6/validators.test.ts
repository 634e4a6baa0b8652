import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sample } from 'openapi-sampler';
import { describe, expect, it } from 'vitest';
import { compileValidators } from '../../../src/k6/validators.ts';
import { type ApiSpec, loadSpec } from '../../../src/openapi/load.ts';
import { getAtPointer, isObject } from '../../../src/openapi/pointer.ts';
import { REPO_ROOT, tempDir } from '../../helpers/cli.ts';
import { specWith } from '../openapi/spec-fixture.ts';

type Validator = (data: unknown) => boolean;

/** The precompiled module, imported as k6 would: one file, nothing else needed. */
async function standalone(spec: ApiSpec, pointers: string[]) {
  const compiled = await compileValidators(spec, pointers);
  const file = path.join(tempDir('shakedown-k6-validators-'), 'validators.js');
  writeFileSync(file, compiled.code);
  const module = (await import(pathToFileURL(file).href)) as Record<string, Validator>;
  return (pointer: string) => module[compiled.names.get(pointer)!];
}

function responsePointers(spec: ApiSpec): { pointer: string; examples: unknown[] }[] {
  return spec.operations.flatMap((op) =>
    op.responses.flatMap((r) =>
      (r.content ?? [])
        .filter((c) => c.schemaPointer && /json/.test(c.mediaType))
        .map((c) => ({ pointer: c.schemaPointer!, examples: c.examples.map((e) => e.value) })),
    ),
  );
}

/** Documented and sampled bodies, and each one broken every way a field can break. */
function bodies(spec: ApiSpec, pointer: string, examples: unknown[]): unknown[] {
  let sampled: unknown;
  try {
    sampled = sample(
      getAtPointer(spec.document, pointer) as object,
      { skipWriteOnly: true, quiet: true },
      spec.document,
    );
  } catch {
    sampled = undefined;
  }
  const seeds = [...examples, ...(sampled === undefined ? [] : [sampled])];
  const out: unknown[] = [null, 42, 'text', [], {}, ...seeds];
  for (const seed of seeds) {
    if (!isObject(seed)) continue;
    for (const key of Object.keys(seed)) {
      const { [key]: _dropped, ...without } = seed;
      out.push(without, { ...seed, [key]: null }, { ...seed, [key]: 12345 }, { ...seed, [key]: 'x' });
      out.push({ ...seed, [key]: '2026-13-45T99:00:00Z' }, { ...seed, [key]: -1.5 });
    }
    out.push({ ...seed, unexpectedField: true }, { ...seed, password: 'leaked' });
  }
  return out;
}

async function agreement(spec: ApiSpec) {
  const targets = responsePointers(spec);
  const validatorOf = await standalone(
    spec,
    targets.map((t) => t.pointer),
  );
  let valid = 0;
  let invalid = 0;
  const disagreements: string[] = [];
  for (const { pointer, examples } of targets) {
    const precompiled = validatorOf(pointer);
    for (const body of bodies(spec, pointer, examples)) {
      const engine = spec.validator.isValid('response', pointer, body);
      if (engine) valid += 1;
      else invalid += 1;
      if (precompiled(body) !== engine)
        disagreements.push(`${pointer}: ${JSON.stringify(body)} engine=${engine} standalone=${!engine}`);
    }
  }
  return { valid, invalid, disagreements, schemas: targets.length };
}

describe('the precompiled ajv standalone validators of the k6 export', () => {
  it.each([
    'test/fixtures/openapi/pets.openapi.yaml',
    'test/fixtures/openapi/split/openapi.yaml',
    'contracts/voice-api.openapi.yaml',
  ])(
    'agree with the engine’s validator on %s, valid and invalid bodies',
    async (file) => {
      const spec = await loadSpec(path.join(REPO_ROOT, file));
      const result = await agreement(spec);
      expect(result.disagreements).toEqual([]);
      expect(result.schemas).toBeGreaterThan(0);
      expect(result.valid).toBeGreaterThan(0);
      expect(result.invalid).toBeGreaterThan(result.valid);
    },
    60_000,
  );

  it('keep 3.1 semantics: discriminator by tag, writeOnly refused in a response, formats', async () => {
    const schemas = {
      Cat: {
        type: 'object',
        required: ['kind', 'meow'],
        properties: {
          kind: { const: 'Cat' },
          meow: { type: 'boolean' },
          born: { type: 'string', format: 'date' },
        },
      },
      Dog: {
        type: 'object',
        required: ['kind', 'bark'],
        properties: { kind: { const: 'Dog' }, bark: { type: 'integer', format: 'int32' } },
      },
      Pet: {
        oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
        discriminator: { propertyName: 'kind' },
      },
      User: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, password: { type: 'string', writeOnly: true } },
      },
    };
    const { spec } = await specWith(
      '3.1',
      {
        '200': {
          description: 'ok',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
        },
      },
      { components: { schemas } },
    );
    const pet = '/components/schemas/Pet';
    const user = '/components/schemas/User';
    const validatorOf = await standalone(spec, [pet, user]);
    const cases: [string, unknown, boolean][] = [
      [pet, { kind: 'Cat', meow: true, born: '2020-02-29' }, true],
      [pet, { kind: 'Cat', meow: true, born: '2021-02-29' }, false],
      [pet, { kind: 'Dog', bark: 3 }, true],
      [pet, { kind: 'Dog', bark: 2 ** 31 }, false],
      [pet, { kind: 'Dog', meow: true }, false],
      [pet, { kind: 'Cow' }, false],
      [pet, { meow: true }, false],
      [pet, 'cat', false],
      [user, { name: 'a' }, true],
      [user, { name: 'a', password: 'p' }, false],
    ];
    for (const [pointer, body, expected] of cases) {
      expect(spec.validator.isValid('response', pointer, body), JSON.stringify(body)).toBe(expected);
      expect(validatorOf(pointer)(body), JSON.stringify(body)).toBe(expected);
    }
  }, 60_000);
});
