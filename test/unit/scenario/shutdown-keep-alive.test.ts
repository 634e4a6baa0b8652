import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frameResponse } from '../../../src/scenario/builtin/graceful-shutdown/http-framing.ts';
import { openKeepAlive } from '../../../src/scenario/builtin/graceful-shutdown/keep-alive.ts';
import { freePort } from '../../../src/stack/free-port.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('frameResponse', () => {
  it('waits for the whole Content-Length body', () => {
    expect(frameResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab')).state).toBe('incomplete');
    const done = frameResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcdeHTTP/1.1'));
    expect(done).toMatchObject({ state: 'complete', consumed: 43, head: { status: 200 } });
  });

  it('follows chunked bodies to the last chunk and trailers', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(frameResponse(bytes(`${head}3\r\nabc\r\n`)).state).toBe('incomplete');
    const plain = `${head}3\r\nabc\r\n0\r\n\r\n`;
    expect(frameResponse(bytes(plain))).toMatchObject({ state: 'complete', consumed: plain.length });
    const trailers = `${head}3;ext=1\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\n`;
    expect(frameResponse(bytes(trailers))).toMatchObject({ state: 'complete', consumed: trailers.length });
    expect(frameResponse(bytes(`${head}zz\r\n`)).state).toBe('invalid');
  });

  it('knows responses without a body and bodies delimited by the close', () => {
    expect(frameResponse(bytes('HTTP/1.1 204 No Content\r\n\r\n'))).toMatchObject({
      state: 'complete',
      consumed: 27,
    });
    expect(frameResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'), 'HEAD').state).toBe(
      'complete',
    );
    expect(frameResponse(bytes('HTTP/1.0 200 OK\r\n\r\nabc')).state).toBe('until-close');
    expect(frameResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n')).state).toBe('invalid');
  });
});

describe('openKeepAlive', () => {
  let server: Server | NetServer | undefined;
  afterEach(async () => {
    server?.close();
    server = undefined;
  });

  const listen = async (s: Server | NetServer) => {
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/work`;
  };

  it('reports a close announced by Connection: close', async () => {
    let served = 0;
    const url = await listen(
      createHttpServer((req, res) => {
        served += 1;
        if (served === 3) res.setHeader('Connection', 'close');
        res.end(`ok ${req.headers.authorization}`);
      }),
    );
    const connection = openKeepAlive({ url, headers: { authorization: 'Bearer t' }, maxRequests: 100 });
    expect(await connection.ready).toBe(true);
    const report = await connection.done;
    expect(report).toMatchObject({ ending: 'connection-close', responses: 3, statuses: [200, 200, 200] });
  });

  it('reports a connection cut before the response as cut', async () => {
    let requests = 0;
    const url = await listen(
      createNetServer((socket) => {
        socket.on('data', () => {
          requests += 1;
          if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          else socket.destroy();
        });
      }),
    );
    const report = await openKeepAlive({ url, headers: {}, maxRequests: 100 }).done;
    expect(report.ending).toBe('cut');
    expect(report.responses).toBe(1);
    expect(report.detail).toMatch(/before any response byte/);
  });

  it('reports a response cut in the middle as cut', async () => {
    const url = await listen(
      createNetServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', () => socket.destroy());
        });
      }),
    );
    const report = await openKeepAlive({ url, headers: {}, maxRequests: 100 }).done;
    expect(report.ending).toBe('cut');
    expect(report.detail).toMatch(/after \d+ bytes of the response/);
  });

  it('reports a refused connection and stops at maxRequests', async () => {
    const port = await freePort();
    const refused = await openKeepAlive({ url: `http://127.0.0.1:${port}/`, headers: {}, maxRequests: 1 })
      .done;
    expect(refused.ending).toBe('connect-failed');
    const url = await listen(createHttpServer((_req, res) => res.end('ok')));
    const bounded = await openKeepAlive({ url, headers: {}, maxRequests: 5 }).done;
    expect(bounded).toMatchObject({ ending: 'open', responses: 5 });
  });
});
