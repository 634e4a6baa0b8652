import { randomInt } from 'node:crypto';

/**
 * Hands out distinct loopback source addresses (all of 127.0.0.0/8 routes to `lo` on Linux, so any of
 * them can be bound without setup). A per-IP rate limiter sees each as a new client, which gives
 * every check a fresh quota without waiting for windows to expire. The start is random so runs
 * against a long-lived target (`stack up`) do not inherit each other's counters.
 */
export class LoopbackPool {
  #next: number;

  constructor(seed = randomInt(0, 200 * 65_536)) {
    this.#next = seed;
  }

  /** 127.A.B.C with A in 10..209, never 127.0.0.x (the default client and server addresses). */
  next(): string {
    const n = this.#next++;
    const a = 10 + (Math.floor(n / 65_536) % 200);
    const b = Math.floor(n / 256) % 256;
    const c = (n % 254) + 1;
    return `127.${a}.${b}.${c}`;
  }
}
