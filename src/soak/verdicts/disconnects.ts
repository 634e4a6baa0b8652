import type { RunTotals } from '../../metrics/aggregate.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { SoakPlan } from '../plan.ts';

export const noUnexpectedDisconnectsCheck = defineCheck(import.meta.url, {
  id: 'soak.no-unexpected-disconnects',
  title: 'No unexpected disconnects',
  verifies:
    'No socket.io connection is closed during the soak except by the session script itself (at most soak.maxUnexpectedDisconnects; default none).',
  failsWhen:
    'Connections end that the script did not close (transport close, ping timeout, the server disconnecting the client), counted by reason in the evidence.',
  fix: 'Find what closes the sockets at those times: idle or proxy timeouts shorter than the ping interval, the server dropping clients under load, or a restart; keep connections open until the client ends them.',
  severity: 'blocking',
  proof: { faults: ['soak-drop'] },
});

/** Judged on the totals: unexpected disconnects by reason, reconnects, and connect errors for context. */
export function disconnectsResult(totals: RunTotals, plan: SoakPlan): CheckResult {
  const snapshot = totals.snapshot().counters;
  const pick = (prefix: string) =>
    Object.fromEntries(Object.entries(snapshot).filter(([name]) => name.startsWith(`${prefix}{`)));
  const disconnects = totals.counter('disconnects') ?? 0;
  const allowed = plan.maxUnexpectedDisconnects;
  const reconnect = totals.histogram('reconnect_ms');
  return noUnexpectedDisconnectsCheck.result(
    disconnects <= allowed ? 'pass' : 'fail',
    `${disconnects} disconnect${disconnects === 1 ? '' : 's'} the script did not ask for (allowed ${allowed}); ${totals.counter('disconnects_expected') ?? 0} sessions ended their sockets themselves.`,
    {
      evidence: {
        disconnects,
        allowed,
        byReason: pick('disconnects'),
        reconnects: totals.counter('reconnects') ?? 0,
        reconnectMs: reconnect ? reconnect.summary() : null,
        connectErrors: pick('connect_errors'),
        expectedDisconnects: totals.counter('disconnects_expected') ?? 0,
      },
    },
  );
}
