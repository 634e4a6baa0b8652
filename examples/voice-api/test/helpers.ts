import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, onTestFinished } from 'vitest';
import { createVoiceApi, type VoiceApi } from '../src/app.ts';
import { computeSignature } from '../src/webhooks.ts';

export const SERVER_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));
export const SPEC_PATH = fileURLToPath(new URL('../../../contracts/voice-api.openapi.yaml', import.meta.url));

type Env = Record<string, string | undefined>;

/** Fresh random secrets per test, short shutdown timings, quiet logs. */
export function testEnv(overrides: Env = {}): Env {
  return {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    SHUTDOWN_DRAIN_MS: '0',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

// Everything a test starts is stopped when that test ends, pass or fail; whatever a beforeAll hook
// starts is stopped when the file ends.
const fileCleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.allSettled(fileCleanups.splice(0).map((cleanup) => cleanup()));
});
const cleanups = {
  push(cleanup: () => Promise<void>) {
    try {
      onTestFinished(cleanup);
    } catch {
      fileCleanups.push(cleanup);
    }
  },
};

export interface InProcess {
  url: string;
  api: VoiceApi;
  env: Env;
}

/** The app started in this process on a loopback port: real HTTP and socket.io, fast to start. */
export async function startInProcess(overrides: Env = {}): Promise<InProcess> {
  const env = testEnv(overrides);
  const api = createVoiceApi(env);
  const { url } = await api.start();
  cleanups.push(() => api.shutdown('test-end'));
  return { url, api, env };
}

export interface Spawned {
  url: string;
  pid: number;
  child: ChildProcess;
  env: Env;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export function spawnServer(env: Env): {
  child: ChildProcess;
  output(): string;
  exited: Spawned['exited'];
} {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** `node examples/voice-api/src/server.ts` as a child process; resolves on its "listening" line. */
export async function spawnVoiceApi(overrides: Env = {}, timeoutMs = 10_000): Promise<Spawned> {
  const env = testEnv({ LOG_LEVEL: 'info', ...overrides });
  const { child, output, exited } = spawnServer(env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const onData = () => {
      for (const line of output().split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          return resolve(entry.url);
        }
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`exited with ${code} before listening:\n${output()}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    env,
    output,
    exited,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export function mintToken(secret: string, claims: { sub?: string; expSec?: number } = {}): Promise<string> {
  const jwt = new SignJWT(claims.sub === undefined ? {} : { sub: claims.sub }).setProtectedHeader({
    alg: 'HS256',
  });
  if (claims.expSec !== undefined) jwt.setExpirationTime(claims.expSec);
  return jwt.sign(new TextEncoder().encode(secret));
}

export async function bearer(env: Env): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${await mintToken(env.JWT_SECRET!, { sub: 'tester', expSec: nowSec() + 600 })}`,
  };
}

export const nowSec = () => Math.floor(Date.now() / 1000);

export function stripeSignature(secret: string, payload: string, timestampSec = nowSec()): string {
  return `t=${timestampSec},v1=${computeSignature(secret, timestampSec, payload)}`;
}

export function webhookEvent(id = `evt_${randomUUID()}`): { id: string; body: string } {
  const body = JSON.stringify({ id, type: 'payment_intent.succeeded', data: { object: { amount: 2000 } } });
  return { id, body };
}

// Test code asserts on response bodies field by field; a loose type keeps those assertions readable.
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON under test
export type Json = Record<string, any>;

export interface CallResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => Json;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is; an array of chunks with chunked encoding. */
  body?: unknown;
  localAddress?: string;
  agent?: false;
}

/** A plain node:http call: lets tests pick the source address and send raw or chunked bodies. */
export function call(url: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const { method = 'GET', body, localAddress } = options;
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | Buffer[] | undefined;
  if (Array.isArray(body) && body.every((part) => Buffer.isBuffer(part))) payload = body as Buffer[];
  else if (Buffer.isBuffer(body) || typeof body === 'string') payload = Buffer.from(body);
  else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    headers['Content-Type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(payload)) {
      for (const chunk of payload) req.write(chunk);
      req.end();
    } else req.end(payload);
  });
}

export async function createSession(url: string, env: Env, body: object = {}, localAddress?: string) {
  const res = await call(url, '/v1/sessions', {
    method: 'POST',
    headers: await bearer(env),
    body,
    localAddress,
  });
  if (res.status !== 201) throw new Error(`createSession: ${res.status} ${res.text}`);
  return res.json() as { id: string; status: string; createdAt: string };
}

export async function voiceToken(url: string, env: Env, sessionId: string): Promise<string> {
  const res = await call(url, '/v1/voice/token', {
    method: 'POST',
    headers: await bearer(env),
    body: { sessionId },
  });
  if (res.status !== 201) throw new Error(`voiceToken: ${res.status} ${res.text}`);
  return res.json().token;
}

/** Connects to /voice; resolves with the socket or rejects with the connect_error. */
export function connectVoice(
  url: string,
  token: unknown,
  options: { reconnection?: boolean } = {},
): Promise<Socket> {
  const socket = ioClient(`${url}/voice`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: options.reconnection ?? false,
    forceNew: true,
    timeout: 5000,
  });
  cleanups.push(async () => {
    socket.close();
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

/** A voice session ready to stream: created, tokenised, connected. */
export async function openVoiceSession(url: string, env: Env) {
  const session = await createSession(url, env);
  const socket = await connectVoice(url, await voiceToken(url, env, session.id));
  return { sessionId: session.id, socket };
}

export function sendChunk(socket: Socket, sessionId: string, seq: number, timeoutMs = 2000): Promise<Json> {
  return socket
    .timeout(timeoutMs)
    .emitWithAck('transcript', { sessionId, seq, text: `chunk ${seq}`, sentAt: Date.now() });
}

export async function metricValue(url: string, name: string): Promise<number> {
  const res = await call(url, '/metrics');
  const line = res.text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.split(' ')[1]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedis = existsSync(REDIS_SERVER);

/** `hasRedis`, saying loudly on stderr which tests are skipped when it is false. */
export function redisOrSkip(skipped: string): boolean {
  if (!hasRedis)
    process.stderr.write(
      `\n*** SKIPPED ${skipped}: ${REDIS_SERVER} is not installed; run \`npm run test:setup\` (installs it on Debian as root) or install redis-server.\n\n`,
    );
  return hasRedis;
}

/** A private, throwaway redis-server on a free loopback port. */
export async function startRedis(
  port?: number,
): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  port ??= await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(stop);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 5000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

/** Polls until `predicate` holds; every wait in these tests is bounded. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 25) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
