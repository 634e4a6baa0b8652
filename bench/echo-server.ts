/**
 * The least a target can do for soak/voice-sessions.soak.ts, so that in bench/soak-scale.bench.ts the
 * generator, not the target, is what runs out: `POST /v1/sessions` and `POST /v1/voice/token` answer
 * at once, and the `/voice` namespace acks every `transcript` and pushes its `agent:reply`. No auth,
 * no limits, no logging. Listens on 127.0.0.1 only; prints `listening <port>` when ready.
 *
 *   ECHO_PORT=0 node bench/echo-server.ts
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const http = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // The body is not needed; it is drained so the connection can be reused.
  req.resume();
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/readyz') reply(200, { status: 'ready' });
    else if (req.method === 'POST' && req.url === '/v1/sessions') reply(201, { id: randomUUID() });
    else if (req.method === 'POST' && req.url === '/v1/voice/token') reply(200, { token: randomUUID() });
    else reply(404, { title: 'not found' });
  });
});

const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.of('/voice').on('connection', (socket) => {
  socket.on('transcript', (chunk: { seq?: number }, ack?: (r: unknown) => void) => {
    ack?.({ ok: true });
    socket.emit('agent:reply', { seq: chunk?.seq, text: 'ok' });
  });
  socket.on('session:end', (ack?: (r: unknown) => void) => {
    ack?.({ ended: true });
    socket.disconnect(true);
  });
});

http.listen(Number(process.env.ECHO_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(http.address() as AddressInfo).port}\n`);
});
