import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceHandle } from '../../../stack/types.ts';
import type { ScenarioContext } from '../../define.ts';
import type { ReplicasOptions } from './options.ts';

export interface Topology {
  replicas: readonly ServiceHandle[];
  dependency?: ServiceHandle;
}

/** The replicas and dependency the checks act on, or why there are none (then every check skips). */
export function findTopology(ctx: ScenarioContext, o: ReplicasOptions): Topology | string {
  const services = ctx.stack.services?.() ?? [];
  if (services.length === 0) {
    return `a ${ctx.stack.kind} stack has no replicas behind a load balancer to act on; run with --stack compose`;
  }
  const byName = (name: string) => services.find((s) => s.name === name);
  const unknown = [...(o.replicas ?? []), ...(o.dependency ? [o.dependency] : [])].filter((n) => !byName(n));
  if (unknown.length > 0) {
    return `the stack has no service ${unknown.map((n) => `'${n}'`).join(', ')} (it has ${services.map((s) => s.name).join(', ')})`;
  }
  const replicas = o.replicas
    ? o.replicas.map((n) => byName(n) as ServiceHandle)
    : services.filter((s) => s.role === 'replica');
  if (replicas.length < 2) {
    return `needs at least two replica services behind the load balancer; the stack has ${replicas.length}`;
  }
  const dependency = o.dependency ? byName(o.dependency) : services.find((s) => s.role === 'dependency');
  return { replicas, dependency };
}

/** One GET straight to a service (not through the load balancer); the status, or null on a network error. */
export async function statusOf(ctx: ScenarioContext, url: string): Promise<number | null> {
  const exchange = await ctx.http.request({ path: url, auth: false, timeoutMs: 2_000 });
  return exchange.response?.status ?? null;
}

/** Waits until every replica answers 200 on its ready path; the ones that did not, if any. */
export async function waitAllReady(
  ctx: ScenarioContext,
  replicas: readonly ServiceHandle[],
  readyPath: string,
  withinMs: number,
): Promise<string[]> {
  const deadline = performance.now() + withinMs;
  let notReady = replicas.map((r) => r.name);
  while (!ctx.signal.aborted) {
    const statuses = await Promise.all(replicas.map((r) => statusOf(ctx, `${r.url}${readyPath}`)));
    notReady = replicas.filter((_, i) => statuses[i] !== 200).map((r) => r.name);
    if (notReady.length === 0 || performance.now() >= deadline) break;
    await sleep(200);
  }
  return notReady;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
