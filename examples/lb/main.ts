// Entry point of the load balancer container: `node main.ts` (Node ≥ 22.18 runs TypeScript as is).
// LB_UPSTREAMS=127.0.0.1:3101,127.0.0.1:3102 LB_PORT=3100 [LB_HOST=127.0.0.1] [LB_READY_PATH=/readyz]
import { createBalancer } from './balancer.ts';

const env = process.env;
const log = (fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: Date.now(), service: 'lb', ...fields })}\n`);

const upstreams = (env.LB_UPSTREAMS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const port = Number(env.LB_PORT ?? '3100');
if (upstreams.length === 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
  log({ msg: 'invalid configuration: set LB_UPSTREAMS=host:port,… and LB_PORT=<port>' });
  process.exit(1);
}

const balancer = createBalancer({
  upstreams,
  readyPath: env.LB_READY_PATH || '/readyz',
  probeIntervalMs: Number(env.LB_PROBE_INTERVAL_MS || 250),
  log,
});
const host = env.LB_HOST || '127.0.0.1';
balancer.server.listen(port, host, () => log({ msg: 'listening', url: `http://${host}:${port}`, upstreams }));

const stop = (signal: string) => {
  log({ msg: 'stopping', signal });
  void balancer.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
