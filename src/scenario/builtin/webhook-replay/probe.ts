import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpExchange } from '../../../http/client.ts';
import type { ScenarioContext } from '../../define.ts';
import type { ProbeOption } from './options.ts';

export type ProbeResult =
  | { ok: true; count: number; exchange?: HttpExchange }
  | { ok: false; reason: string; exchange?: HttpExchange };

/** Counts how often the receiver applied an event, after letting asynchronous side effects settle. */
export type Probe = (eventId: string) => Promise<ProbeResult>;

export function createProbe(ctx: ScenarioContext, option: ProbeOption, settleMs: number): Probe {
  return async (eventId) => {
    await sleep(settleMs, undefined, { signal: ctx.signal }).catch(() => {});
    if (typeof option === 'function') {
      try {
        return checked(await option(eventId));
      } catch (error) {
        return { ok: false, reason: `the probe function threw: ${(error as Error).message}` };
      }
    }
    const exchange = await ctx.http.request({
      path: option.path.replaceAll('{id}', encodeURIComponent(eventId)),
    });
    const status = exchange.response?.status;
    if (status !== 200) {
      const got = exchange.response ? `${status}` : `network error ${exchange.error?.code}`;
      return { ok: false, reason: `GET ${option.path} answered ${got}`, exchange };
    }
    try {
      return { ...checked((option.count ?? defaultCount)(exchange.response!.json())), exchange };
    } catch (error) {
      return {
        ok: false,
        reason: `could not read a count from the probe's answer: ${(error as Error).message}`,
        exchange,
      };
    }
  };
}

function checked(count: unknown): ProbeResult {
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0) return { ok: true, count };
  return { ok: false, reason: `the probe returned ${JSON.stringify(count)}, not a count` };
}

/** `{ applied: 1 }`, `{ count: 1 }` or `{ appliedCount: 1 }`. */
function defaultCount(body: unknown): number {
  const record = (body ?? {}) as Record<string, unknown>;
  const value = record.applied ?? record.count ?? record.appliedCount;
  if (typeof value !== 'number') throw new Error('no numeric applied/count field; give probe.count');
  return value;
}
