import type { RequestHandler } from 'express';
import type { Config } from './env.ts';
import { sendProblem } from './problem.ts';

// The load faults only show under sustained traffic, which is what a load run exists to create.
const STALL_MS = 1000;
const LEAK_MS_PER_REQUEST = 0.1;

/**
 * Middleware for the `/v1` routes with the load faults switched on, or null when none is:
 * - `load-stall`: for one second every FAULT_STALL_EVERY_MS, no request gets an answer (each waits
 *   for the stall to end), the way a stop-the-world pause or a lock convoy looks from outside;
 * - `load-overload-503`: more than FAULT_LOAD_CONCURRENCY requests in flight and the extra ones get
 *   an undocumented `503` problem, an overload guard nobody wrote into the spec;
 * - `load-latency-leak`: each request waits `requestsHandled × 0.1 ms` (a timer, not a busy wait)
 *   before it is handled, so latency grows with the number of requests served.
 */
export function loadFaults(config: Config): RequestHandler | null {
  const { faults } = config;
  const stall = faults.has('load-stall');
  const overload = faults.has('load-overload-503');
  const leak = faults.has('load-latency-leak');
  if (!stall && !overload && !leak) return null;
  const startedAt = Date.now();
  let inFlight = 0;
  let handled = 0;
  return (_req, res, next) => {
    if (overload) {
      if (inFlight >= config.faultLoadConcurrency) {
        sendProblem(res, 503, 'too busy, try again later');
        return;
      }
      inFlight += 1;
      res.once('close', () => {
        inFlight -= 1;
      });
    }
    let waitMs = 0;
    if (stall) {
      const period = config.faultStallEveryMs;
      const phase = (Date.now() - startedAt) % period;
      if (phase >= period - STALL_MS) waitMs = period - phase;
    }
    if (leak) {
      handled += 1;
      waitMs += handled * LEAK_MS_PER_REQUEST;
    }
    if (waitMs > 0) setTimeout(next, waitMs);
    else next();
  };
}
