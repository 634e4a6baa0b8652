// Entry point: `node examples/voice-api/src/server.ts`. Configuration comes from the environment only.
import { parseEnv } from './env.ts';

// Validate before loading Express, socket.io and friends, so a bad secret fails in milliseconds.
const parsed = parseEnv(process.env);
if (!parsed.ok) {
  // Names the variables and the rule they break; the values (secrets) are never printed.
  const line = {
    level: 60,
    time: Date.now(),
    service: 'voice-api',
    msg: 'invalid configuration',
    problems: parsed.problems,
    // Time since the process started: how fast the fail-fast path really is.
    uptimeMs: Math.round(performance.now()),
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}

const { createVoiceApi } = await import('./app.ts');
const { installSignalHandlers } = await import('./shutdown.ts');
const api = createVoiceApi(process.env);
installSignalHandlers(api);
try {
  const { url, port } = await api.start();
  api.logger.info({ url, port, pid: process.pid, faults: [...api.config.faults] }, 'listening');
} catch (err) {
  api.logger.fatal({ err }, 'could not start');
  process.exit(1);
}
