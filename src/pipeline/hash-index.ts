/**
 * A set of 64-bit hashes, each with the first row it was seen on: open addressing over typed
 * arrays, at most half full, so 24 bytes a row whatever the row's size.
 */
export class HashIndex {
  #hi = new Uint32Array(1024);
  #lo = new Uint32Array(1024);
  /** First row + 1; 0 marks an empty slot. */
  #rows = new Int32Array(1024);
  size = 0;

  /** Adds a hash; returns -1 when it is new, else the first row that had it. */
  add(hi: number, lo: number, row: number): number {
    if ((this.size + 1) * 2 > this.#rows.length) this.#grow();
    const mask = this.#rows.length - 1;
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.#rows[slot]!;
      if (stored === 0) {
        this.#hi[slot] = hi;
        this.#lo[slot] = lo;
        this.#rows[slot] = row + 1;
        this.size++;
        return -1;
      }
      if (this.#hi[slot] === hi && this.#lo[slot] === lo) return stored - 1;
    }
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#rows.length * 12;
  }

  #grow(): void {
    const [hi, lo, rows] = [this.#hi, this.#lo, this.#rows];
    this.#hi = new Uint32Array(rows.length * 2);
    this.#lo = new Uint32Array(rows.length * 2);
    this.#rows = new Int32Array(rows.length * 2);
    this.size = 0;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== 0) this.add(hi[i]!, lo[i]!, rows[i]! - 1);
  }
}
