import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { announcesClose, frameResponse, type ResponseHead } from './http-framing.ts';

/** How a kept-alive connection ended. Only `cut` loses a response a client was waiting for. */
export type KeepAliveEnding =
  /** A response carried `Connection: close` and the connection ended after it. */
  | 'connection-close'
  /** The server closed the connection while no request was outstanding. */
  | 'idle-close'
  /** Closed or reset while a request was outstanding: the client lost a response. */
  | 'cut'
  /** Still open when the observation stopped. */
  | 'open'
  | 'connect-failed'
  | 'invalid';

export interface KeepAliveReport {
  responses: number;
  statuses: number[];
  ending: KeepAliveEnding;
  detail: string;
  /** performance.now() when the connection ended. */
  endedAt: number;
}

export interface KeepAliveConnection {
  /** True after the first complete response; false if the connection ended before one. */
  readonly ready: Promise<boolean>;
  readonly done: Promise<KeepAliveReport>;
  /** Ends the observation; a connection still open is reported as `open`. */
  stop(): void;
}

/**
 * Sends GET requests back to back on one connection, by hand, so that the moment the server closes it
 * is known exactly: between responses (fine), or with a request outstanding (a lost response).
 */
export function openKeepAlive(options: {
  url: string;
  headers: Record<string, string>;
  maxRequests: number;
}): KeepAliveConnection {
  const url = new URL(options.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket: Socket =
    url.protocol === 'https:'
      ? tlsConnect({ host, port, servername: host, rejectUnauthorized: false })
      : connect({ host, port });
  const extraHeaders = Object.entries(options.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const request = Buffer.from(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n${extraHeaders}\r\n`,
  );

  let buffer = Buffer.alloc(0);
  let connected = false;
  let outstanding = false;
  let untilClose: ResponseHead | undefined;
  let sentAt = 0;
  const statuses: number[] = [];
  let resolveReady: (value: boolean) => void = () => {};
  let resolveDone: (report: KeepAliveReport) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    resolveReady = resolve;
  });
  const done = new Promise<KeepAliveReport>((resolve) => {
    resolveDone = resolve;
  });
  let finished = false;

  const end = (ending: KeepAliveEnding, detail: string) => {
    if (finished) return;
    finished = true;
    resolveReady(false);
    resolveDone({ responses: statuses.length, statuses, ending, detail, endedAt: performance.now() });
    socket.destroy();
  };
  const send = () => {
    if (finished) return;
    if (statuses.length >= options.maxRequests)
      return end('open', `stopped after ${statuses.length} requests`);
    outstanding = true;
    sentAt = performance.now();
    buffer = Buffer.alloc(0);
    socket.write(request);
  };
  const onClosed = (code: string) => {
    if (untilClose) {
      statuses.push(untilClose.status);
      return end('connection-close', `response ${statuses.length} was delimited by the close`);
    }
    if (!outstanding)
      return end('idle-close', `closed (${code}) between responses, after ${statuses.length}`);
    const waitedMs = Math.round(performance.now() - sentAt);
    const got =
      buffer.length > 0 ? `after ${buffer.length} bytes of the response` : 'before any response byte';
    end('cut', `${code} ${got}, ${waitedMs} ms after request ${statuses.length + 1} was sent`);
  };

  socket.on('connect', () => {
    connected = true;
    send();
  });
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    if (!outstanding) return end('invalid', 'the server sent bytes with no request outstanding');
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const framed = frameResponse(buffer);
      if (framed.state === 'incomplete') return;
      if (framed.state === 'invalid') return end('invalid', framed.reason);
      if (framed.state === 'until-close') {
        untilClose = framed.head;
        return;
      }
      buffer = buffer.subarray(framed.consumed);
      if (framed.head.status < 200) continue;
      outstanding = false;
      statuses.push(framed.head.status);
      resolveReady(true);
      if (announcesClose(framed.head)) {
        return end('connection-close', `response ${statuses.length} carried Connection: close`);
      }
      setImmediate(send);
      return;
    }
  });
  socket.on('end', () => onClosed('FIN'));
  socket.on('close', () => onClosed('close'));
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (!connected) return end('connect-failed', `${error.code ?? error.message}`);
    onClosed(error.code ?? 'error');
  });

  return { ready, done, stop: () => end('open', `still open after ${statuses.length} responses`) };
}
