import { connect } from 'node:net';

/** '' when the service is ready, else what is wrong: an HTTP path must answer 200, a TCP port accept. */
export async function probeReady(url: string, readyPath: string | undefined, port: number): Promise<string> {
  if (!readyPath) return (await portOpen(port)) ? '' : `port ${port} does not accept connections`;
  const target = `${url}${readyPath}`;
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200 ? '' : `${target} answered ${res.status}`;
  } catch (error) {
    return `${target}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
