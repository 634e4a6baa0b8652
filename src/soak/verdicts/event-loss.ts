import type { MergedWindow, RunTotals } from '../../metrics/aggregate.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { SoakPlan } from '../plan.ts';
import { OFFENDERS_KEPT, type WindowNote } from './offenders.ts';

export const noEventLossCheck = defineCheck(import.meta.url, {
  id: 'soak.no-event-loss',
  title: 'No events lost',
  verifies:
    'Every socket.io event the soak sessions send is acknowledged within soak.ackTimeoutMs, over the whole run (at most soak.maxLostRate of them may go unanswered; default none).',
  failsWhen:
    'More events than allowed get no acknowledgement in time, or the sessions never got to send any.',
  fix: 'Acknowledge every event, also on error paths and under back-pressure; look at the windows with loss in the evidence and the server log for those times (dropped messages, full queues, handlers that return early).',
  severity: 'blocking',
  proof: { faults: ['soak-drop'] },
});

/** Counts lost events over every window, the drain included, and keeps the windows that lost some. */
export class EventLossJudge {
  readonly #plan: SoakPlan;
  readonly #lossWindows: WindowNote[] = [];

  constructor(plan: SoakPlan) {
    this.#plan = plan;
  }

  addWindow(window: MergedWindow): void {
    const lost = window.counter('events_lost') ?? 0;
    if (lost > 0 && this.#lossWindows.length < OFFENDERS_KEPT * 2)
      this.#lossWindows.push({
        startMs: window.startMs,
        endMs: window.endMs,
        lost,
        sent: window.counter('events_sent') ?? 0,
      });
  }

  result(totals: RunTotals): CheckResult {
    const sent = totals.counter('events_sent') ?? 0;
    const lost = totals.counter('events_lost') ?? 0;
    const acked = totals.counter('events_acked') ?? 0;
    const rate = sent > 0 ? lost / sent : 0;
    const bound = this.#plan.maxLostRate;
    const evidence = {
      sent,
      acked,
      lost,
      lostRate: rate,
      maxLostRate: bound,
      late: totals.counter('events_late') ?? 0,
      abandonedAtStop: totals.counter('events_abandoned') ?? 0,
      repliesMissed: totals.counter('replies_missed') ?? 0,
      ackTimeoutMs: this.#plan.ackTimeoutMs,
      windowsWithLoss: this.#lossWindows,
    };
    const httpRequests = totals.counter('http_reqs') ?? 0;
    if (sent === 0 && httpRequests > 0)
      return noEventLossCheck.skip(
        `the sessions sent no socket.io events (HTTP only: ${httpRequests} requests), so there is nothing to lose; failed requests are in http_req_failed.`,
        evidence,
      );
    if (sent === 0)
      return noEventLossCheck.fail(
        'no events were sent: the sessions never got to stream (see the log for session failures).',
        evidence,
      );
    return noEventLossCheck.result(
      rate <= bound ? 'pass' : 'fail',
      `${lost} of ${sent} events got no ack within ${this.#plan.ackTimeoutMs} ms (rate ${rate.toPrecision(3)}, allowed ${bound}).`,
      { evidence },
    );
  }
}
