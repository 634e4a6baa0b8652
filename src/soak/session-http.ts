import type { HttpClient, HttpExchange, HttpRequestOptions } from '../http/client.ts';
import type { MetricSet } from '../metrics/metric-set.ts';
import type { SessionHttp } from './define.ts';

/**
 * The session's HTTP client: every request timed into `http_req_ms` and `http_req_ms{route=…}`, sent
 * from the slot's loopback source address when the soak spreads its callers over several.
 */
export function sessionHttp(client: HttpClient, metrics: MetricSet, localAddress?: string): SessionHttp {
  const request = async (options: HttpRequestOptions & { route?: string }): Promise<HttpExchange> => {
    const { route: named, ...rest } = options;
    const method = (rest.method ?? 'GET').toUpperCase();
    const route = named ?? `${method} ${routeTemplate(rest.path)}`;
    const exchange = await client.request({ localAddress, ...rest });
    const ms = exchange.timings.totalMs;
    metrics.record('http_req_ms', ms);
    metrics.record(metrics.labelled('http_req_ms', 'route', route), ms);
    metrics.add('http_reqs');
    const failed = exchange.error !== undefined || (exchange.response?.status ?? 0) >= 400;
    metrics.rate('http_req_failed', failed);
    if (failed) {
      const what = exchange.error ? exchange.error.code : String(exchange.response?.status);
      metrics.addLabelled('http_errors', 'status', `${route} ${what}`);
    }
    return exchange;
  };
  return {
    request,
    async json<T>(
      method: string,
      path: string,
      body?: unknown,
      options: { route?: string } = {},
    ): Promise<T> {
      const exchange = await request({ method, path, body, route: options.route });
      const label = `${method.toUpperCase()} ${path}`;
      if (exchange.error)
        throw new Error(`${label} failed: ${exchange.error.code} ${exchange.error.message}`);
      const response = exchange.response!;
      if (response.status < 200 || response.status > 299) {
        const excerpt = response.text().slice(0, 300).replace(/\s+/g, ' ');
        throw new Error(`${label} answered ${response.status}: ${excerpt}`);
      }
      return (response.body.length === 0 ? undefined : response.json()) as T;
    },
  };
}

const ID_SEGMENT =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+|[0-9a-f]{16,}|[\w-]{20,})$/i;

/** `/v1/sessions/3f2c…/transcripts?x=1` → `/v1/sessions/{id}/transcripts`: one series per route, not per id. */
export function routeTemplate(pathOrUrl: string): string {
  const pathname = /^https?:\/\//.test(pathOrUrl) ? new URL(pathOrUrl).pathname : pathOrUrl.split('?')[0];
  return pathname
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
}
