/**
 * The reference for bench/soak.bench.ts: the least a socket.io client can do for the same voice
 * traffic — create sessions, get tokens, connect, emit `transcript` with an ack at a fixed rate and
 * listen for `agent:reply` — with no measurement beyond counting. Run by the bench, not by hand:
 *
 *   BARE_URL=http://127.0.0.1:3000 BARE_TOKEN=<jwt> BARE_SESSIONS=200 node bench/bare-socketio-client.ts
 *
 * Prints one JSON line: acks and replies counted after warm-up, the process's CPU then, and its
 * memory (RSS, heap used, external, array buffers) sampled every BARE_SAMPLE_SEC from the warm-up's end.
 */
import { io, type Socket } from 'socket.io-client';

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const url = env('BARE_URL');
const token = env('BARE_TOKEN');
const sessions = Number(env('BARE_SESSIONS', '200'));
const eventsPerSec = Number(env('BARE_EVENTS_PER_SEC', '2'));
const warmupSec = Number(env('BARE_WARMUP_SEC', '10'));
const durationSec = Number(env('BARE_DURATION_SEC', '30'));
const sampleSec = Number(env('BARE_SAMPLE_SEC', '5'));

async function post(path: string, body: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as Record<string, string>;
}

// The same chunk as soak/voice-sessions.soak.ts sends, so both pay for the same bytes on the wire.
const WORDS = 'hello I would like to move my appointment to next tuesday afternoon please';

let counting = false;
let acked = 0;
let replies = 0;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

async function openSession(): Promise<void> {
  const { id } = await post('/v1/sessions', { language: 'en', agent: 'bench' });
  const voice = await post('/v1/voice/token', { sessionId: id });
  const socket = io(`${url}/voice`, {
    auth: { token: voice.token },
    transports: ['websocket'],
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  socket.on('agent:reply', () => {
    if (counting) replies += 1;
  });
  sockets.push(socket);
  let seq = 0;
  const send = () => {
    const current = seq++;
    socket.emit(
      'transcript',
      { sessionId: id, seq: current, text: `${WORDS} (${current})`, sentAt: Date.now() },
      () => {
        if (counting) acked += 1;
      },
    );
  };
  // A random phase per socket, as the soak's ramp-up gives its sessions.
  setTimeout(
    () => timers.push(setInterval(send, 1000 / eventsPerSec)),
    Math.random() * (1000 / eventsPerSec),
  );
}

const started = Date.now();
for (let i = 0; i < sessions; i += 20) {
  await Promise.all(Array.from({ length: Math.min(20, sessions - i) }, openSession));
}
const connectedAfterMs = Date.now() - started;
await new Promise((r) => setTimeout(r, Math.max(0, warmupSec * 1000 - connectedAfterMs)));
counting = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
/**
 * One reading of this process: its CPU and memory. The soak bench reads the soak's memory from its
 * generator gauges and its CPU from /proc.
 */
export interface ProcessSample {
  atSec: number;
  /** Process CPU (user + system) since the warm-up's end, so the bench can tell a cost that rises with the run. */
  cpuMs: number;
  rss: number;
  heapUsed: number;
  /** V8's committed heap: every isolate of the process. */
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const memory: ProcessSample[] = [];
const sample = () => {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const { user, system } = process.cpuUsage(cpu0);
  memory.push({
    atSec: warmupSec + (performance.now() - t0) / 1000,
    cpuMs: (user + system) / 1000,
    rss,
    heapUsed,
    heapTotal,
    external,
    arrayBuffers,
  });
};
sample();
const sampler = setInterval(sample, sampleSec * 1000);
await new Promise((r) => setTimeout(r, (durationSec - warmupSec) * 1000));
clearInterval(sampler);
sample();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
counting = false;
process.stdout.write(
  `${JSON.stringify({ sessions: sockets.length, acked, replies, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, rssBytes: process.memoryUsage.rss(), connectedAfterMs, memory })}\n`,
);
for (const timer of timers) clearInterval(timer);
for (const socket of sockets) socket.close();
process.exit(0);
