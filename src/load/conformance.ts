import { Worker } from 'node:worker_threads';
import { toCurl } from '../http/curl.ts';
import { defineCheck } from '../run/checks.ts';
import type { CheckResult } from '../run/model.ts';
import type { Redactor } from '../run/redact.ts';
import type { ResolvedRoute } from './mix.ts';
import type { SampledResponse } from './protocol.ts';
import type { ValidationVerdict, ValidatorInit } from './validator-worker.ts';

const KINDS_KEPT = 20;
const BODY_EXCERPT_CHARS = 2_000;
const READY_TIMEOUT_MS = 60_000;

interface ViolationKind {
  route: string;
  problem: string;
  count: number;
  firstAtMs: number;
  /** Violations per window index. */
  perWindow: Map<number, number>;
  example: SampledResponse;
}

export const contractConformanceCheck = defineCheck(import.meta.url, {
  id: 'load.contract-conformance',
  title: 'Responses under load conform to the spec',
  verifies:
    'A sample of the responses under load (1 in load.validate, or --validate N) matches the OpenAPI document: documented status, content type, headers and body schema.',
  failsWhen:
    'A sampled response breaks the spec under load (an undocumented 503 from an overload guard, a 500, a truncated or malformed body), or the validator thread fails. Skipped without a spec, with validation off, or when nothing was sampled.',
  fix: 'Stop returning undocumented responses under load, or document the ones you mean (429 or 503 with Retry-After); the evidence has a curl line for the first violation of each kind.',
  severity: 'blocking',
  proof: { faults: ['load-overload-503'] },
});

/**
 * Sampled responses validated against the spec in a worker thread. It
 * keeps, per kind of violation (route and broken rule), when it first appeared, how many windows saw
 * it, and one instance with a curl line to reproduce it.
 */
export class ConformanceSampler {
  readonly #worker: Worker;
  readonly #routes: readonly ResolvedRoute[];
  readonly #baseUrl: string;
  readonly #windowMs: number;
  readonly #kinds = new Map<string, ViolationKind>();
  readonly #validatedPerWindow = new Map<number, number>();
  #validated = 0;
  #violations = 0;
  #pending = 0;
  #drained: (() => void) | null = null;
  #failure: string | null = null;

  private constructor(worker: Worker, routes: readonly ResolvedRoute[], baseUrl: string, windowMs: number) {
    this.#worker = worker;
    this.#routes = routes;
    this.#baseUrl = baseUrl;
    this.#windowMs = windowMs;
    worker.on('message', (verdicts: ValidationVerdict[] | 'ready') => {
      if (verdicts === 'ready') return;
      this.#pending -= verdicts.length;
      for (const verdict of verdicts) this.#add(verdict);
      if (this.#pending === 0) this.#drained?.();
    });
    worker.on('error', (error) => {
      this.#failure = error.message;
      this.#pending = 0;
      this.#drained?.();
    });
  }

  static async start(
    specFile: string,
    routes: readonly ResolvedRoute[],
    baseUrl: string,
    windowMs: number,
  ): Promise<ConformanceSampler> {
    const init: ValidatorInit = {
      specFile,
      routes: routes.map((r) => ({ operation: r.operation, method: r.method })),
    };
    const worker = new Worker(new URL('./validator-worker.ts', import.meta.url), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the validator thread did not start')),
        READY_TIMEOUT_MS,
      );
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new ConformanceSampler(worker, routes, baseUrl, windowMs);
  }

  submit(samples: SampledResponse[]): void {
    if (this.#failure) return;
    this.#pending += samples.length;
    this.#worker.postMessage(samples);
  }

  /** Waits (bounded) for the samples still being validated, then stops the thread. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#pending > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.#worker.terminate();
  }

  #add({ sample, problems }: ValidationVerdict): void {
    const window = Math.floor(sample.atMs / this.#windowMs);
    this.#validated += 1;
    this.#validatedPerWindow.set(window, (this.#validatedPerWindow.get(window) ?? 0) + 1);
    if (problems.length === 0) return;
    this.#violations += 1;
    const route = this.#routes[sample.route]?.name ?? '?';
    // One kind per route and first broken rule; its first instance describes it (later ones differ only in values).
    const rule = problems[0].split(':', 1)[0];
    const key = `${route}\u0000${rule}`;
    let kind = this.#kinds.get(key);
    if (!kind) {
      if (this.#kinds.size >= KINDS_KEPT) return;
      kind = {
        route,
        problem: problems.join('; '),
        count: 0,
        firstAtMs: sample.atMs,
        perWindow: new Map(),
        example: sample,
      };
      this.#kinds.set(key, kind);
    }
    kind.count += 1;
    kind.perWindow.set(window, (kind.perWindow.get(window) ?? 0) + 1);
  }

  result(redactor: Redactor, validateEvery: number, authHeaders: Record<string, string>): CheckResult {
    if (this.#failure) return contractConformanceCheck.fail(`the validator thread failed: ${this.#failure}.`);
    if (this.#validated === 0)
      return contractConformanceCheck.skip(
        `no response was sampled for validation (1 in ${validateEvery}); run longer or lower --validate.`,
      );
    const kinds = [...this.#kinds.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
    const evidence = {
      validated: this.#validated,
      violations: this.#violations,
      sampling: `1 in ${validateEvery}`,
      kinds: kinds.map((k) => ({
        route: k.route,
        problem: redactor.text(k.problem),
        count: k.count,
        firstAtSec: Math.round(k.firstAtMs / 100) / 10,
        ratePerWindow: [...k.perWindow].map(([w, n]) => ({
          startSec: (w * this.#windowMs) / 1000,
          rate: Math.round((n / (this.#validatedPerWindow.get(w) ?? n)) * 1e4) / 1e4,
        })),
      })),
    };
    if (kinds.length === 0)
      return contractConformanceCheck.pass(
        `all ${this.#validated} sampled responses (1 in ${validateEvery}) matched the spec: documented status, content type, headers and body schema.`,
        evidence,
      );
    const first = kinds[0];
    const route = this.#routes.find((r) => r.name === first.route);
    const url = route ? this.#baseUrl.replace(/\/+$/, '') + route.path : this.#baseUrl;
    return contractConformanceCheck.fail(
      `${this.#violations} of ${this.#validated} sampled responses broke the spec under load; first ${first.route} at ${evidence.kinds[0].firstAtSec} s: ${redactor.text(first.problem)}.`,
      {
        ...evidence,
        errors: kinds.map((k) => `${k.route}: ${redactor.text(k.problem)} (${k.count}×)`),
        request: route ? { method: route.method, url } : undefined,
        response: {
          status: first.example.status,
          headers: first.example.headers,
          body: first.example.body.slice(0, BODY_EXCERPT_CHARS),
          bodyTruncated: first.example.body.length > BODY_EXCERPT_CHARS,
        },
        ...(route
          ? {
              curl: toCurl(
                {
                  method: route.method,
                  url,
                  headers: { ...route.headers, ...authHeaders },
                  body: route.body,
                },
                redactor,
              ),
            }
          : {}),
      },
    );
  }
}
