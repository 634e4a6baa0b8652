import type { Socket } from 'socket.io-client';

/** Connects a socket made by `ctx.socket()`; rejects with the server's `connect_error` or on timeout. */
export function connectSocket(socket: Socket, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no connection within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.connect();
  });
}
