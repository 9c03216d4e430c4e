import { wordCharTable } from './pretokenize.ts';

/** Options for near-duplicate detection. */
export interface NearDupOptions {
  /** Estimated Jaccard similarity of word 5-shingles at or above which rows are near duplicates. */
  threshold?: number;
  seed?: number;
}

/** Values in one row's MinHash signature. */
export const PERMUTATIONS = 128;
const EMPTY = 0xffffffff;
// 16 bands of 8 rows: a pair at Jaccard 0.8 becomes a candidate with probability 0.95, one at 0.5 with 0.06.
const BANDS = 16;
const ROWS_PER_BAND = PERMUTATIONS / BANDS;
const REPRESENTATIVES = 8;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const ASTRAL_WORD = /[\p{L}\p{N}]/u;

/**
 * A hash of each word of the text: runs of letters and numbers, NFKC-normalised and lowercased
 * (the same words as `/[\p{L}\p{N}]+/gu` finds), hashed as they are scanned, with no strings made.
 */
export function wordHashes(text: string): number[] {
  // NFKC leaves ASCII as it is: skip it for the common case.
  const normal = /[^\x00-\x7f]/.test(text) ? text.normalize('NFKC').toLowerCase() : text.toLowerCase();
  const isWord = wordCharTable();
  const hashes: number[] = [];
  let h = 0;
  let inWord = false;
  for (let i = 0; i < normal.length; i++) {
    let c = normal.charCodeAt(i);
    let word: boolean;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < normal.length) {
      const cp = normal.codePointAt(i)!;
      word = cp > 0xffff && ASTRAL_WORD.test(String.fromCodePoint(cp));
      if (cp > 0xffff) {
        c = cp;
        i++;
      }
    } else {
      word = isWord[c] === 1;
    }
    if (word) {
      if (!inWord) {
        h = 0x811c9dc5;
        inWord = true;
      }
      h = Math.imul(h ^ c, 16777619);
    } else if (inWord) {
      hashes.push(fmix32(h));
      inWord = false;
    }
  }
  if (inWord) hashes.push(fmix32(h));
  return hashes;
}

/**
 * MinHash over word 5-shingles with LSH banding. Each row's signature is 512 bytes; band
 * buckets keep a few representatives each, so a pile of identical rows costs linear time.
 */
export class NearDupIndex {
  readonly threshold: number;
  readonly #seeds: Uint32Array;
  #signatures = new Uint32Array(PERMUTATIONS * 1024);
  #rowIds: number[] = [];
  readonly #buckets = Array.from({ length: BANDS }, () => new Map<number, number[]>());
  readonly #parent = new Map<number, number>();
  readonly #similarity = new Map<number, number>();

  constructor(options: NearDupOptions = {}) {
    this.threshold = options.threshold ?? 0.8;
    const seed = options.seed ?? 1;
    this.#seeds = new Uint32Array(PERMUTATIONS).map((_, i) => fmix32(seed * 0x9e3779b1 + i * 0x7f4a7c15));
  }

  /** Adds a row's text; rows must be added in increasing row order. */
  add(row: number, text: string): void {
    const signature = new Uint32Array(PERMUTATIONS);
    if (this.signature(text, signature, 0)) this.insert(row, signature, 0);
  }

  /**
   * Writes the MinHash signature of a text (`PERMUTATIONS` values) into `out` at `offset`;
   * false when the text has no words. One permutation hashing: each 5-shingle is hashed once
   * and kept as the minimum of one of the bins its hash picks, and empty bins borrow from the
   * next filled one (rotation densification). A row costs one hash a shingle instead of 128.
   * Pure: worker threads compute signatures, and the index inserts them in row order.
   */
  signature(text: string, out: Uint32Array, offset: number): boolean {
    const wordHash = wordHashes(text);
    if (wordHash.length === 0) return false;
    const end = offset + PERMUTATIONS;
    out.fill(EMPTY, offset, end);
    const span = Math.min(5, wordHash.length);
    for (let i = 0; i + span <= wordHash.length; i++) {
      // The shingle's words, each rotated by its place so order counts, mixed once.
      let h = this.#seeds[0]!;
      for (let j = 0; j < span; j++) {
        const w = wordHash[i + j]!;
        h ^= (w << (j * 7)) | (w >>> (32 - j * 7));
      }
      h = fmix32(h);
      const bin = h >>> 25;
      const value = fmix32(h ^ this.#seeds[1]!) >>> 1;
      if (value < out[offset + bin]!) out[offset + bin] = value;
    }
    for (let bin = 0; bin < PERMUTATIONS; bin++) {
      if (out[offset + bin] !== EMPTY) continue;
      let distance = 1;
      while (out[offset + ((bin + distance) % PERMUTATIONS)] === EMPTY || out[offset + ((bin + distance) % PERMUTATIONS)]! > 0x7fffffff) distance++;
      out[offset + bin] = 0x80000000 | (fmix32(out[offset + ((bin + distance) % PERMUTATIONS)]! + Math.imul(distance, 0x9e3779b1)) >>> 1);
    }
    return true;
  }

  /** Adds a row by its signature (from `signature`); rows must be added in increasing row order. */
  insert(row: number, signatures: Uint32Array, offset: number): void {
    const index = this.#rowIds.length;
    this.#rowIds.push(row);
    if ((index + 1) * PERMUTATIONS > this.#signatures.length) {
      const grown = new Uint32Array(this.#signatures.length * 2);
      grown.set(this.#signatures);
      this.#signatures = grown;
    }
    const base = index * PERMUTATIONS;
    this.#signatures.set(signatures.subarray(offset, offset + PERMUTATIONS), base);
    for (let band = 0; band < BANDS; band++) {
      let key = band;
      for (let r = 0; r < ROWS_PER_BAND; r++) key = fmix32(key ^ this.#signatures[base + band * ROWS_PER_BAND + r]!);
      const bucket = this.#buckets[band]!;
      const reps = bucket.get(key);
      if (!reps) {
        bucket.set(key, [index]);
        continue;
      }
      let matched = false;
      for (const other of reps) {
        const similarity = this.#estimate(index, other);
        if (similarity >= this.threshold) {
          this.#union(other, index, similarity);
          matched = true;
        }
      }
      if (!matched && reps.length < REPRESENTATIVES) reps.push(index);
    }
  }

  /** Groups of near-duplicate rows (each sorted, lowest row first), largest first. */
  clusters(): Array<{ rows: number[]; similarity: number }> {
    const groups = new Map<number, number[]>();
    for (const index of this.#parent.keys()) {
      const root = this.#find(index);
      const group = groups.get(root) ?? [];
      group.push(this.#rowIds[index]!);
      groups.set(root, group);
    }
    return [...groups]
      .map(([root, rows]) => ({ rows: [...new Set(rows)].sort((a, b) => a - b), similarity: this.#similarity.get(root) ?? 1 }))
      .filter((g) => g.rows.length > 1)
      .sort((a, b) => b.rows.length - a.rows.length || a.rows[0]! - b.rows[0]!);
  }

  /** Every row of a cluster except its first: the rows a dedup would drop. */
  duplicateRows(): number[] {
    return this.clusters()
      .flatMap((c) => c.rows.slice(1))
      .sort((a, b) => a - b);
  }

  #estimate(a: number, b: number): number {
    let same = 0;
    for (let p = 0; p < PERMUTATIONS; p++) {
      if (this.#signatures[a * PERMUTATIONS + p] === this.#signatures[b * PERMUTATIONS + p]) same++;
    }
    return same / PERMUTATIONS;
  }

  #find(index: number): number {
    let root = index;
    while (this.#parent.has(root) && this.#parent.get(root) !== root) root = this.#parent.get(root)!;
    return root;
  }

  #union(a: number, b: number, similarity: number): void {
    if (!this.#parent.has(a)) this.#parent.set(a, a);
    if (!this.#parent.has(b)) this.#parent.set(b, b);
    const [ra, rb] = [this.#find(a), this.#find(b)];
    const root = Math.min(ra, rb);
    const other = Math.max(ra, rb);
    const lowest = Math.min(similarity, this.#similarity.get(ra) ?? 1, this.#similarity.get(rb) ?? 1);
    this.#parent.set(other, root);
    this.#similarity.set(root, lowest);
  }
}
