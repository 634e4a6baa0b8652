export type SeqArrival = 'in-order' | 'out-of-order' | 'duplicate';

/**
 * Which sequence numbers of one pushed event arrived, over the last `size` below the highest: a
 * fixed bitmap ring, so a session that lives for hours costs the same as one that lives a minute
 * (a Set of every seq grew by one entry per event). Older seqs are past knowing: out of order,
 * never duplicates. Non-integer seqs are not tracked.
 */
export class SeqWindow {
  readonly #bits: Uint8Array;
  readonly #size: number;
  #max = -1;

  constructor(size = 4096) {
    this.#size = size;
    this.#bits = new Uint8Array(Math.ceil(size / 8));
  }

  record(seq: number): SeqArrival {
    if (!Number.isInteger(seq)) return 'in-order';
    if (seq > this.#max) {
      // Slots between the old highest and this one now stand for new seqs: none arrived yet.
      const from = Math.max(this.#max + 1, seq - this.#size + 1);
      for (let s = from; s < seq; s += 1) this.#set(s, false);
      this.#set(seq, true);
      this.#max = seq;
      return 'in-order';
    }
    if (seq <= this.#max - this.#size) return 'out-of-order';
    if (this.#has(seq)) return 'duplicate';
    this.#set(seq, true);
    return 'out-of-order';
  }

  #index(seq: number): number {
    return ((seq % this.#size) + this.#size) % this.#size;
  }

  #has(seq: number): boolean {
    const i = this.#index(seq);
    return (this.#bits[i >> 3] & (1 << (i & 7))) !== 0;
  }

  #set(seq: number, on: boolean): void {
    const i = this.#index(seq);
    if (on) this.#bits[i >> 3] |= 1 << (i & 7);
    else this.#bits[i >> 3] &= ~(1 << (i & 7));
  }
}
