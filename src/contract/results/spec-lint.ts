import type { LintFinding } from '../../openapi/lint.ts';
import type { ApiSpec } from '../../openapi/load.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { ContractRun } from '../run.ts';
import { MAX_LISTED_FAILURES } from './shared.ts';

export const specLintCheck = defineCheck(import.meta.url, {
  id: 'contract.spec-lint',
  title: 'Spec lint',
  verifies:
    'The OpenAPI document has none of the known gaps that weaken contract checks, such as an operation with no 4xx documented or responses whose bodies the spec does not describe.',
  failsWhen: 'It warns, never fails, once per finding, naming the rule and where in the spec it applies.',
  fix: 'Edit the spec where the finding points; its message says what to add or change.',
  severity: 'advisory',
  proof: {
    exempt:
      'judges the OpenAPI document, not the target: test/unit/openapi/lint.test.ts, test/e2e/contracts-fixture.e2e.test.ts and test/e2e/contracts-things.e2e.test.ts (undocumented response bodies)',
  },
});

const MAX_LINT_RESULTS = 50;

/**
 * A spec-lint finding for the responses that came back with a body the spec documents no `content`
 * for: which ones to document (they are warnings of `contract.content-type` unless strictBodies).
 */
export function undocumentedBodyLint(spec: ApiSpec, run: ContractRun): CheckResult[] {
  const found = new Map<string, { operation: string; status: string; mediaType: string | null }>();
  for (const [op, observations] of run.observations) {
    for (const o of observations) {
      const documented = o.findings?.documented;
      const response = o.exchange.response;
      if (!documented || !response || documented.content?.length || response.body.length === 0) continue;
      const key = `${op.method} ${op.path} ${documented.key}`;
      if (!found.has(key))
        found.set(key, {
          operation: `${op.method} ${op.path}`,
          status: documented.key,
          mediaType: response.headers['content-type'] ?? null,
        });
    }
  }
  if (found.size === 0) return [];
  const listed = [...found.values()];
  const names = listed.map((r) => `${r.operation} → ${r.status}${r.mediaType ? ` (${r.mediaType})` : ''}`);
  return [
    specLintCheck.result(
      'warn',
      `document a content (media type and schema) for: ${names.slice(0, MAX_LISTED_FAILURES).join('; ')}${names.length > MAX_LISTED_FAILURES ? `; and ${names.length - MAX_LISTED_FAILURES} more in the evidence` : ''}. Their bodies are not validated until then.`,
      {
        title: `spec lint: responses with a body the spec does not document (${listed.length})`,
        evidence: { rule: 'undocumented-response-body', file: spec.displayFile, responses: listed },
      },
    ),
  ];
}

export function lintResults(spec: ApiSpec, findings: readonly LintFinding[]): CheckResult[] {
  if (findings.length === 0) {
    return [
      specLintCheck.result('pass', 'no lint findings', {
        title: `spec lint: ${spec.displayFile}`,
        evidence: { file: spec.displayFile },
      }),
    ];
  }
  const results: CheckResult[] = findings.slice(0, MAX_LINT_RESULTS).map((f) =>
    specLintCheck.result('warn', f.message, {
      title: `spec lint: ${f.rule} at ${f.location ?? f.pointer}`,
      evidence: { rule: f.rule, pointer: f.pointer, location: f.location },
    }),
  );
  const rest = findings.slice(MAX_LINT_RESULTS);
  if (rest.length > 0) {
    results.push(
      specLintCheck.result('warn', `${rest.length} more findings, listed in the evidence`, {
        title: `spec lint: ${rest.length} more findings`,
        evidence: { findings: rest },
      }),
    );
  }
  return results;
}
