import type { MergedWindow, RunTotals } from '../../metrics/aggregate.ts';
import { round3 } from '../../metrics/histogram.ts';
import { defineCheck } from '../../run/checks.ts';
import type { CheckResult } from '../../run/model.ts';
import type { SoakPlan } from '../plan.ts';
import { OFFENDERS_KEPT, type WindowNote } from './offenders.ts';

export const sessionsHeldCheck = defineCheck(import.meta.url, {
  id: 'soak.sessions-held',
  title: 'Sessions held at the target',
  verifies:
    'Between ramp-up and ramp-down, the average number of active sessions stayed within soak.sessionsHeldPct of soak.sessions in every window, so the soak ran at the load it claims.',
  failsWhen:
    'In some window the active sessions fell short (or overshot) by more than the tolerance: sessions failed to connect or start, or were cut and not replaced in time.',
  fix: 'Look at the session failures in the log and the connect errors in soak.no-unexpected-disconnects: a connection cap, a limiter or an exhausted pool on the target refuses callers past some count.',
  severity: 'blocking',
  proof: { faults: ['soak-session-cap'] },
});

/** Each steady window's average of active sessions against the target count. */
export class SessionsHeldJudge {
  readonly #plan: SoakPlan;
  #windows = 0;
  #offenderCount = 0;
  readonly #offenders: WindowNote[] = [];

  constructor(plan: SoakPlan) {
    this.#plan = plan;
  }

  addWindow(window: MergedWindow): void {
    const target = this.#plan.sessions;
    const average = window.gauges.get('sessions_active_avg') ?? 0;
    this.#windows += 1;
    const deviationPct = (Math.abs(average - target) / target) * 100;
    if (deviationPct > this.#plan.sessionsHeldPct) {
      this.#offenderCount += 1;
      if (this.#offenders.length < OFFENDERS_KEPT)
        this.#offenders.push({
          startMs: window.startMs,
          endMs: window.endMs,
          activeAvg: round3(average),
          deviationPct: round3(deviationPct),
        });
    }
  }

  result(totals: RunTotals): CheckResult {
    const target = this.#plan.sessions;
    const tolerancePct = this.#plan.sessionsHeldPct;
    const evidence = {
      target,
      tolerancePct,
      windows: this.#windows,
      offenders: this.#offenders,
      sessionsStarted: totals.counter('sessions_started') ?? 0,
      sessionsFailed: totals.counter('sessions_failed') ?? 0,
    };
    if (this.#windows === 0)
      return sessionsHeldCheck.skip('no window fell between ramp-up and ramp-down.', evidence);
    const ok = this.#offenderCount === 0;
    return sessionsHeldCheck.result(
      ok ? 'pass' : 'fail',
      ok
        ? `active sessions averaged within ${tolerancePct}% of ${target} in all ${this.#windows} windows after ramp-up (${evidence.sessionsFailed} sessions failed and were replaced).`
        : `active sessions were off ${target} by more than ${tolerancePct}% in ${this.#offenderCount} of ${this.#windows} windows (worst average ${Math.min(...this.#offenders.map((o) => o.activeAvg))}); ${evidence.sessionsFailed} sessions failed.`,
      { evidence },
    );
  }
}
