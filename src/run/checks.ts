import { ShakedownError } from '../errors.ts';
import type { CheckResult, CheckVerdict, Evidence } from './model.ts';

/**
 * The check registry. Every built-in check is declared once, with `defineCheck`, in the module that
 * judges it, and its results are made only through the returned `Check`: the id string appears in the
 * source exactly once (`test/unit/check-registry.test.ts` holds that), so a search for an id finds its
 * definition, and `docs/checks.md` is generated from these declarations (`npm run docs`).
 *
 * Ids are a public interface: reports, JUnit, baselines and users' CI match on them. Never rename one.
 */

/** `blocking`: a `fail` fails the run (exit 1). `advisory`: it reports, at worst with `warn`. */
export type CheckSeverity = 'blocking' | 'advisory';

/**
 * How the check is proven able to fail: the planted faults of the reference target
 * (`examples/voice-api/FAULTS.md`) whose detection row in `test/e2e` asserts it fails under this id,
 * or, for a check that judges the harness, another run or the spec rather than the target, why no
 * planted fault can prove it and where it is proven instead.
 */
export type CheckProof = { readonly faults: readonly string[] } | { readonly exempt: string };

export interface CheckSpec<Id extends string = string> {
  /** Stable, dotted, lower-case: `rate-limit.retry-after`. */
  readonly id: Id;
  /** What the report shows, e.g. "A 429 says when to retry". */
  readonly title: string;
  /** One or two sentences: what a pass means. */
  readonly verifies: string;
  /** What makes it fail (or warn), in the terms of the target's behaviour. */
  readonly failsWhen: string;
  /** How to fix the target, framework-neutral, one or two sentences. */
  readonly fix: string;
  readonly severity: CheckSeverity;
  readonly proof: CheckProof;
}

export interface ResultOptions {
  evidence?: Evidence;
  /** A title naming the subject, e.g. the operation (`GET /v1/sessions/{id}: response schema`). */
  title?: string;
  durationMs?: number;
}

export interface Check<Id extends string = string> extends CheckSpec<Id> {
  /** The module that declares and judges it, relative to the package (`src/soak/verdicts/memory-leak.ts`). */
  readonly source: string;
  result(verdict: CheckVerdict, message: string, options?: ResultOptions): CheckResult;
  pass(message: string, evidence?: Evidence): CheckResult;
  fail(message: string, evidence?: Evidence): CheckResult;
  warn(message: string, evidence?: Evidence): CheckResult;
  skip(message: string, evidence?: Evidence): CheckResult;
}

const ID = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const registry = new Map<string, Check>();

/** `file:///…/src/soak/verdicts/memory-leak.ts` → `src/soak/verdicts/memory-leak.ts` (or `dist/…` when built). */
function sourceOf(moduleUrl: string): string {
  const path = decodeURIComponent(new URL(moduleUrl).pathname);
  const at = Math.max(path.lastIndexOf('/src/'), path.lastIndexOf('/dist/'));
  return at < 0 ? path : path.slice(at + 1);
}

/**
 * Declares a check. `moduleUrl` is the declaring module's `import.meta.url`, which the reference
 * shows as where the check lives (an id's family need not match its folder: `health.live` is judged
 * by the hardening scenario). Declaring an id twice is an internal error.
 */
export function defineCheck<const Id extends string>(moduleUrl: string, spec: CheckSpec<Id>): Check<Id> {
  if (!ID.test(spec.id))
    throw new ShakedownError('SHK_INTERNAL', `check id '${spec.id}' is not dotted lower-case`);
  const existing = registry.get(spec.id);
  if (existing) {
    throw new ShakedownError(
      'SHK_INTERNAL',
      `check '${spec.id}' is declared twice: ${existing.source} and ${sourceOf(moduleUrl)}`,
    );
  }
  const result = (verdict: CheckVerdict, message: string, options: ResultOptions = {}): CheckResult => ({
    id: spec.id,
    title: options.title ?? spec.title,
    verdict,
    message,
    ...(options.evidence ? { evidence: options.evidence } : {}),
    ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
  });
  const check: Check<Id> = Object.freeze({
    ...spec,
    source: sourceOf(moduleUrl),
    result,
    pass: (message: string, evidence?: Evidence) => result('pass', message, { evidence }),
    fail: (message: string, evidence?: Evidence) => result('fail', message, { evidence }),
    warn: (message: string, evidence?: Evidence) => result('warn', message, { evidence }),
    skip: (message: string, evidence?: Evidence) => result('skip', message, { evidence }),
  });
  registry.set(spec.id, check);
  return check;
}

/** Every check declared by the modules loaded so far, by id. */
export function registeredChecks(): Check[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export function findCheck(id: string): Check | undefined {
  return registry.get(id);
}

/** The anchor of a check's entry in `docs/checks.md`: `soak.memory-leak` → `soak-memory-leak`. */
export function checkAnchor(id: string): string {
  return id.replaceAll('.', '-');
}
