import { defineCheck } from '../../run/checks.ts';
import type { CheckResult, CheckVerdict } from '../../run/model.ts';
import type { MethodProbe } from '../run.ts';
import { exchangeEvidence, type ResultContext } from './shared.ts';

export const methodNotAllowedCheck = defineCheck(import.meta.url, {
  id: 'contract.method-not-allowed',
  title: 'Undocumented methods refused',
  verifies:
    'A method the spec does not document on a path is answered 405 with an Allow header that lists the documented ones (another 4xx, or a 405 without a complete Allow, warns).',
  failsWhen:
    'An undocumented method gets a 2xx or 3xx (an undocumented operation), a 5xx or no answer, or a status other than 405 on a path whose spec documents 405.',
  fix: 'Answer methods a path does not support with 405 and an Allow header (most routers can), instead of a catch-all handler that serves them.',
  severity: 'blocking',
  proof: { faults: ['contract-method-fallthrough'] },
});

export function methodProbeResult(ctx: ResultContext, probe: MethodProbe): CheckResult {
  const title = `${probe.method} ${probe.path}: method not allowed`;
  const base = {
    operation: { method: probe.method, path: probe.path },
    documentedMethods: probe.documented,
  };
  const result = (verdict: CheckVerdict, message: string, errors: string[] = []) =>
    methodNotAllowedCheck.result(verdict, message, {
      title,
      evidence: exchangeEvidence(ctx.http, probe.exchange, errors, base),
    });
  const fail = (message: string) => result('fail', message, [message]);
  const status = probe.exchange.response?.status;
  if (status === undefined) return fail(`no response: ${probe.exchange.error?.code ?? 'unknown error'}`);
  if (status === 405) {
    const allow = probe.exchange.response?.headers.allow;
    const listed = (allow ?? '').split(',').map((m) => m.trim().toUpperCase());
    const missing = probe.documented.filter((m) => !listed.includes(m));
    if (allow === undefined) return result('warn', '405, but without the Allow header RFC 9110 requires');
    if (missing.length)
      return result('warn', `405, but Allow (${allow}) leaves out documented ${missing.join(', ')}`);
    return result('pass', `405 with Allow: ${allow}`);
  }
  if (status < 400)
    return fail(
      `answered ${status} to a method the spec does not document for ${probe.path}: an undocumented operation`,
    );
  if (status >= 500 || probe.documents405) return fail(`answered ${status}; expected 405`);
  return result(
    'warn',
    `answered ${status}, not 405 (the spec does not document 405 here, so this is not a failure)`,
  );
}
