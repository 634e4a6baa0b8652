import { connect } from 'node:net';
import type { TargetLostListener } from './types.ts';

const PROBE_EVERY_MS = 500;
const PROBE_TIMEOUT_MS = 1_000;
/** Three refused connects in a row (about 1.5 s) say the target is gone; one is a hiccup. */
const FAILURES_TO_LOSE = 3;

/**
 * Watches a target Shakedown did not start (url stack, a compose stack's entry) with TCP connects to
 * its port: no HTTP request, so nothing counts against the target's rate limits or shows in its
 * logs. After FAILURES_TO_LOSE consecutive failures every listener hears `target.unreachable`, once.
 * The probe runs only while someone listens.
 */
export function reachabilityWatcher(baseUrl: string): {
  onLost(listener: TargetLostListener): () => void;
  stop(): void;
} {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const listeners = new Set<TargetLostListener>();
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let lost = false;
  let probing = false;

  const probe = async () => {
    if (probing || lost) return;
    probing = true;
    const problem = await connectProblem(host, port);
    probing = false;
    failures = problem ? failures + 1 : 0;
    if (!problem || failures < FAILURES_TO_LOSE || lost) return;
    lost = true;
    stop();
    const event = {
      kind: 'target.unreachable' as const,
      message: `target ${url.host} stopped answering: ${failures} connection attempts in a row failed (${problem})`,
      failedProbes: failures,
    };
    for (const listener of listeners) listener(event);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  return {
    onLost(listener) {
      listeners.add(listener);
      if (!timer && !lost) {
        timer = setInterval(() => void probe(), PROBE_EVERY_MS);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    stop,
  };
}

function connectProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no connection within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
