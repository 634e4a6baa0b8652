/**
 * `shakedown/vitest`: contract matchers for apps tested in-process.
 *
 *   import { useApiSpec } from 'shakedown/vitest';
 *   useApiSpec('contracts/api.openapi.yaml');
 *   expect(await request(app).get('/v1/sessions/42')).toSatisfyApiSpec();
 *
 * Same spec loading, validation and messages as `shakedown contracts`.
 */
import path from 'node:path';
import { beforeAll, expect } from 'vitest';
import {
  fromFetch,
  fromSupertest,
  type MatchOutcome,
  matchResponse,
  type OperationSelector,
  type ResponseUnderTest,
} from './contract/matchers.ts';
import { type ApiSpec, loadSpec } from './openapi/load.ts';

export type { OperationSelector } from './contract/matchers.ts';

interface ApiSpecMatchers<R = unknown> {
  /**
   * Passes when the response (supertest, or a fetch Response — then `await` it) satisfies the spec
   * loaded by {@link useApiSpec}: documented status, media type, body schema and headers. The
   * operation is found from the request's method and path, or named: `toSatisfyApiSpec('getSession')`.
   */
  toSatisfyApiSpec(operation?: OperationSelector): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: declaration merging needs vitest's own type parameter default.
  interface Matchers<T = any> extends ApiSpecMatchers<T> {}
}

let current: { file: string; spec?: ApiSpec; loading: Promise<ApiSpec> } | undefined;

/**
 * Loads the spec the matchers validate against (relative to the working directory). Call it at the top
 * of a test file: loading starts at once and a `beforeAll` waits for it; or `await` it.
 */
export function useApiSpec(file: string): Promise<ApiSpec> {
  const absolute = path.resolve(file);
  const entry: NonNullable<typeof current> = { file: absolute, loading: loadSpec(absolute) };
  entry.loading.then(
    (spec) => {
      entry.spec = spec;
    },
    () => {},
  );
  current = entry;
  try {
    beforeAll(() => entry.loading.then(() => undefined));
  } catch {
    // Called inside a test: the caller awaits the promise instead.
  }
  return entry.loading;
}

function specOrThrow(): ApiSpec {
  if (!current) throw new Error('toSatisfyApiSpec: call useApiSpec("path/to/openapi.yaml") first');
  if (!current.spec)
    throw new Error(
      `toSatisfyApiSpec: ${current.file} is still loading; call useApiSpec() at the top of the file or await it`,
    );
  return current.spec;
}

function verdict(this: { isNot: boolean }, outcome: MatchOutcome) {
  return {
    pass: outcome.pass,
    message: () =>
      this.isNot ? `expected the response not to satisfy the spec, but ${outcome.message}` : outcome.message,
  };
}

expect.extend({
  toSatisfyApiSpec(received: unknown, operation?: OperationSelector) {
    const spec = specOrThrow();
    const check = (response: ResponseUnderTest | undefined) => {
      if (!response) {
        return {
          pass: false,
          message: () => 'toSatisfyApiSpec expects a supertest response or a fetch Response',
        };
      }
      return verdict.call(this, matchResponse(spec, response, operation));
    };
    const supertest = fromSupertest(received);
    if (supertest) return check(supertest);
    return fromFetch(received).then(check);
  },
});
