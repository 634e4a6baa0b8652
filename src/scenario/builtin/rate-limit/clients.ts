import { isLoopbackHost } from '../../../config/safety.ts';
import type { HttpExchange } from '../../../http/client.ts';
import type { ScenarioContext } from '../../define.ts';
import { type RateLimitOptions, type RateLimitRoute, routeLabel } from './options.ts';

/** Who a request comes from, as the limiter sees it: a source address and, for key scope, a key. */
export interface Client {
  label: string;
  localAddress?: string;
  headers: Record<string, string>;
}

/** Thrown when a check needs a fresh quota the target cannot give; the check becomes a `skip`. */
export class NoFreshQuota extends Error {}

/**
 * Hands out clients with untouched quotas. For `scope: 'ip'` each client binds its own loopback
 * source address (127.A.B.C, see LoopbackPool), so every check starts from a full quota without
 * waiting for windows to expire and without the checks seeing each other's requests. That only
 * works on a loopback target; elsewhere one quota exists, and only the first check may use it.
 * For `scope: 'key'` each client gets a brand-new key from `freshKey`.
 */
export class Clients {
  readonly #ctx: ScenarioContext;
  readonly #freshKey: RateLimitOptions['freshKey'];
  readonly #loopback: boolean;
  readonly #usedDefault = new Set<string>();
  #keys = 0;

  constructor(ctx: ScenarioContext, options: RateLimitOptions) {
    this.#ctx = ctx;
    this.#freshKey = options.freshKey;
    this.#loopback = isLoopbackHost(new URL(ctx.target.baseUrl).hostname);
  }

  async fresh(route: RateLimitRoute): Promise<Client> {
    const localAddress = this.#loopback ? this.#ctx.addresses.next() : undefined;
    if (route.scope === 'key') {
      const headers = await this.#freshKey!();
      for (const value of Object.values(headers)) this.#ctx.redactor.addSecret(value);
      const label = `key #${++this.#keys}`;
      return { label: localAddress ? `${label} from ${localAddress}` : label, localAddress, headers };
    }
    if (localAddress) return { label: localAddress, localAddress, headers: {} };
    if (this.#usedDefault.has(routeLabel(route))) {
      throw new NoFreshQuota(
        `a fresh per-IP quota needs a loopback target (each check binds its own 127.x.y.z source address); against ${new URL(this.#ctx.target.baseUrl).hostname} only the first check has one`,
      );
    }
    this.#usedDefault.add(routeLabel(route));
    return { label: 'this machine', headers: {} };
  }
}

/** One request on the route from `client`. */
export async function send(
  ctx: ScenarioContext,
  route: RateLimitRoute,
  client: Client,
  extraHeaders: Record<string, string> = {},
): Promise<HttpExchange> {
  const body = typeof route.body === 'function' ? await route.body() : route.body;
  return ctx.http.request({
    method: route.method,
    path: route.path,
    body,
    headers: { ...route.headers, ...client.headers, ...extraHeaders },
    localAddress: client.localAddress,
  });
}

/** The result of sending sequential requests from one client until it is refused. */
export interface Burst {
  exchanges: HttpExchange[];
  /** 2xx answers before the first refusal. */
  successes: number;
  /** The first 429. */
  limited?: HttpExchange;
  /** The first answer that is neither 2xx nor 429 (or a network error): the route is misconfigured. */
  unexpected?: HttpExchange;
}

/** Up to limit + 1 sequential requests, stopping at the first non-2xx. */
export async function burst(ctx: ScenarioContext, route: RateLimitRoute, client: Client): Promise<Burst> {
  const result: Burst = { exchanges: [], successes: 0 };
  for (let i = 0; i <= route.limit && !ctx.signal.aborted; i++) {
    const exchange = await send(ctx, route, client);
    result.exchanges.push(exchange);
    if (isSuccess(exchange)) result.successes++;
    else if (exchange.response?.status === 429) {
      result.limited = exchange;
      break;
    } else {
      result.unexpected = exchange;
      break;
    }
  }
  return result;
}

export function isSuccess(exchange: HttpExchange): boolean {
  const status = exchange.response?.status;
  return status !== undefined && status >= 200 && status < 300;
}

/** `201`, or `network error ECONNRESET`. */
export function outcome(exchange: HttpExchange): string {
  return exchange.response ? String(exchange.response.status) : `network error ${exchange.error?.code}`;
}
