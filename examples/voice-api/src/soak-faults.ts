import type { Namespace } from 'socket.io';
import type { Config } from './env.ts';

// The soak faults are slow-burning: nothing fails at once, which is what a soak run exists to catch.
const LEAK_BYTES_PER_CHUNK = 64 * 1024;
const DRIFT_MS_PER_CHUNK = 0.15;
const DROP_ONE_ACK_IN = 200;
const DROP_SOCKET_SHARE = 0.1;
const STALL_MS = 1000;

export interface ChunkFaults {
  /** Called once per transcript chunk: whether its ack is lost, and how long to hold it first. */
  onChunk(): { dropAck: boolean; delayMs: number };
  start(voice: Namespace): void;
  stop(): void;
}

export function createChunkFaults(config: Config): ChunkFaults {
  const { faults } = config;
  const retained: Buffer[] = [];
  const timers: NodeJS.Timeout[] = [];
  let chunksHandled = 0;

  return {
    onChunk() {
      chunksHandled += 1;
      // Filled with non-zero bytes so the pages are really touched and show in RSS.
      if (faults.has('soak-leak'))
        retained.push(Buffer.alloc(LEAK_BYTES_PER_CHUNK, 1 + (chunksHandled % 255)));
      return {
        dropAck: faults.has('soak-drop') && chunksHandled % DROP_ONE_ACK_IN === 0,
        delayMs: faults.has('soak-drift') ? chunksHandled * DRIFT_MS_PER_CHUNK : 0,
      };
    },
    start(voice) {
      if (faults.has('soak-drop')) {
        timers.push(
          setInterval(() => {
            const sockets = [...voice.sockets.values()];
            const count = Math.ceil(sockets.length * DROP_SOCKET_SHARE);
            // Closing the transport looks like a network drop to the client ("transport close").
            for (const socket of sockets.slice(0, count)) socket.conn.close();
          }, config.faultDropSocketsEveryMs),
        );
      }
      if (faults.has('soak-stall')) {
        timers.push(
          setInterval(() => {
            const until = Date.now() + STALL_MS;
            while (Date.now() < until) {
              // Busy wait on purpose: a synchronous hot path that blocks the event loop.
            }
          }, config.faultStallEveryMs),
        );
      }
      for (const timer of timers) timer.unref();
    },
    stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      retained.length = 0;
    },
  };
}
