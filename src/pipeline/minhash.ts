import { PipelineError } from './errors.ts';
import { wordCharTable } from './pretokenize.ts';
import { CodeUnits } from './units.ts';

/** Options for near-duplicate detection. */
export interface NearDupOptions {
  /** Estimated Jaccard similarity of word 5-shingles at or above which rows are near duplicates. */
  threshold?: number;
  seed?: number;
}

/** Values in one row's MinHash signature. */
export const PERMUTATIONS = 128;
/** The threshold when none is given. */
export const DEFAULT_NEAR_THRESHOLD = 0.8;
const EMPTY = 0xffffffff;
const REPRESENTATIVES = 8;
/**
 * How likely a pair at the threshold must be to become a candidate for a banding to qualify.
 * 16 bands of 8 rows give 0.947 at the default 0.8 (the banding the audit's speed was measured with).
 */
const MIN_CANDIDATE_CHANCE = 0.94;
/** Rows a block of signatures holds (2 MB): a power of two, so a row's block is a shift away. */
const BLOCK_SHIFT = 12;
const BLOCK_ROWS = 1 << BLOCK_SHIFT;

function rotate(w: number, by: number): number {
  return (w << by) | (w >>> (32 - by));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** How LSH cuts a signature: `bands` bands of `rows` values each, `bands × rows = PERMUTATIONS`. */
export interface Banding {
  bands: number;
  rows: number;
}

/** The probability that a pair at Jaccard `similarity` shares at least one band: 1 - (1 - s^r)^b. */
export function candidateChance(similarity: number, { bands, rows }: Banding): number {
  return 1 - (1 - similarity ** rows) ** bands;
}

/**
 * The banding for a threshold: of those making a pair at the threshold a candidate with
 * probability MIN_CANDIDATE_CHANCE or more, the one with the fewest candidates below it (the
 * least area under its S-curve from 0 to the threshold); when none qualifies (thresholds near
 * 0), the most likely. INVALID_ARGUMENT for a threshold outside (0, 1].
 */
export function bandingFor(threshold: number): Banding {
  checkNearThreshold(threshold);
  const choices: Banding[] = [];
  for (let rows = 1; rows <= PERMUTATIONS; rows++) if (PERMUTATIONS % rows === 0) choices.push({ bands: PERMUTATIONS / rows, rows });
  const qualifying = choices.filter((b) => candidateChance(threshold, b) >= MIN_CANDIDATE_CHANCE);
  if (qualifying.length === 0) return choices.reduce((a, b) => (candidateChance(threshold, b) > candidateChance(threshold, a) ? b : a));
  const below = (banding: Banding) => {
    // The midpoint rule over 200 steps: exact enough to rank curves this far apart.
    let area = 0;
    for (let i = 0; i < 200; i++) area += candidateChance(((i + 0.5) / 200) * threshold, banding);
    return area;
  };
  return qualifying.reduce((a, b) => (below(b) < below(a) ? b : a));
}

/** INVALID_ARGUMENT unless the threshold is a Jaccard similarity in (0, 1]. */
export function checkNearThreshold(threshold: number): void {
  if (!(threshold > 0 && threshold <= 1)) {
    throw new PipelineError('INVALID_ARGUMENT', `near-duplicate threshold ${threshold}: expected a Jaccard similarity above 0 and at most 1 (default ${DEFAULT_NEAR_THRESHOLD})`);
  }
}

const ASTRAL_WORD = /[\p{L}\p{N}]/u;
const WORD_SEED = 0x811c9dc5 | 0;
const textUnits = new CodeUnits();
let wordScratch = new Int32Array(1024);

/**
 * A hash of each word of the text: runs of letters and numbers, NFKC-normalised and lowercased
 * (the same words as `/[\p{L}\p{N}]+/gu` finds), hashed as they are scanned, with no strings made.
 */
export function wordHashes(text: string): number[] {
  const count = hashWords(text);
  return Array.from(wordScratch.subarray(0, count), (h) => h >>> 0);
}

/** `wordHashes` into a shared array (`wordScratch`, valid until the next call); returns their count. */
function hashWords(text: string): number {
  // NFKC leaves ASCII as it is: skip it for the common case.
  const normal = /[^\x00-\x7f]/.test(text) ? text.normalize('NFKC').toLowerCase() : text.toLowerCase();
  const n = normal.length;
  if (wordScratch.length < n + 1) wordScratch = new Int32Array(Math.max(n + 1, wordScratch.length * 2));
  const out = wordScratch;
  const u = textUnits.load(normal);
  const isWord = wordCharTable();
  let count = 0;
  let h = WORD_SEED;
  // Whether the previous code point was a word character (1) or not (0). The loop has no
  // branch at a word's edges (they were mispredicted often enough to cost more than the rest):
  // it stores the running hash at every step and moves on only when a word has just ended.
  let inWord = 0;
  for (let i = 0; i < n; i++) {
    let c = u[i]!;
    let word = isWord[c]!;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const cp = normal.codePointAt(i)!;
      if (cp > 0xffff) {
        word = ASTRAL_WORD.test(String.fromCodePoint(cp)) ? 1 : 0;
        c = cp;
        i++;
      }
    }
    out[count] = h;
    count += inWord & (word ^ 1);
    // A word's first character starts from the seed; a character outside words leaves a hash
    // that the next word's start replaces.
    h = Math.imul((inWord === 1 ? h : WORD_SEED) ^ c, 16777619);
    inWord = word;
  }
  out[count] = h;
  count += inWord;
  for (let i = 0; i < count; i++) out[i] = fmix32(out[i]!);
  return count;
}

/**
 * MinHash signatures of texts, `PERMUTATIONS` values each. Pure and independent of the
 * threshold and banding: worker threads compute them, and the index on the main thread bands them.
 */
export class MinHasher {
  readonly #seed0: number;
  readonly #seed1: number;

  constructor(readonly seed = 1) {
    this.#seed0 = fmix32(seed * 0x9e3779b1) | 0;
    this.#seed1 = fmix32(seed * 0x9e3779b1 + 0x7f4a7c15) | 0;
  }

  /**
   * Writes the MinHash signature of a text into `out` at `offset`; false when the text has no
   * words. One permutation hashing: each 5-shingle is hashed once and kept as the minimum of
   * one of the bins its hash picks, and empty bins borrow from the next filled one (rotation
   * densification). A row costs one hash a shingle instead of 128.
   */
  signature(text: string, out: Uint32Array, offset: number): boolean {
    const count = hashWords(text);
    if (count === 0) return false;
    const w = wordScratch;
    const end = offset + PERMUTATIONS;
    out.fill(EMPTY, offset, end);
    const seed0 = this.#seed0;
    const seed1 = this.#seed1;
    const span = Math.min(5, count);
    for (let i = 0; i + span <= count; i++) {
      // The shingle's words, each rotated by its place so order counts, mixed once.
      let h = seed0 ^ w[i]!;
      if (span === 5) {
        h ^= rotate(w[i + 1]!, 7) ^ rotate(w[i + 2]!, 14) ^ rotate(w[i + 3]!, 21) ^ rotate(w[i + 4]!, 28);
      } else {
        for (let j = 1; j < span; j++) h ^= rotate(w[i + j]!, j * 7);
      }
      h = fmix32(h);
      const bin = h >>> 25;
      const value = fmix32(h ^ seed1) >>> 1;
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
}

/**
 * Near duplicates by MinHash over word 5-shingles with LSH banding chosen for the threshold
 * (`bandingFor`). Each row's signature is 512 bytes; band buckets keep a few representatives
 * each, so a pile of identical rows costs linear time.
 */
export class NearDupIndex {
  readonly threshold: number;
  readonly banding: Banding;
  /** Computes the signatures this index expects (the same seed); `insert` takes them from any thread. */
  readonly hasher: MinHasher;
  /**
   * Signatures in blocks of BLOCK_ROWS rows, added as rows come: one growing array would be
   * copied at each doubling, and for a moment hold three times what the rows need.
   */
  readonly #blocks: Uint32Array[] = [];
  #rowIds: number[] = [];
  readonly #buckets: BandBuckets[];
  readonly #parent = new Map<number, number>();
  readonly #similarity = new Map<number, number>();
  readonly #scratch = new Uint32Array(PERMUTATIONS);

  /** INVALID_ARGUMENT for a threshold outside (0, 1]. */
  constructor(options: NearDupOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_NEAR_THRESHOLD;
    this.banding = bandingFor(this.threshold);
    this.hasher = new MinHasher(options.seed ?? 1);
    this.#buckets = Array.from({ length: this.banding.bands }, () => new BandBuckets());
  }

  /** Adds a row's text; rows must be added in increasing row order. */
  add(row: number, text: string): void {
    if (this.hasher.signature(text, this.#scratch, 0)) this.insert(row, this.#scratch, 0);
  }

  /** Adds a row by its signature (from `hasher`, or a MinHasher of the same seed); rows must be added in increasing row order. */
  insert(row: number, signatures: Uint32Array, offset: number): void {
    const index = this.#rowIds.length;
    this.#rowIds.push(row);
    if (index >>> BLOCK_SHIFT === this.#blocks.length) this.#blocks.push(new Uint32Array(BLOCK_ROWS * PERMUTATIONS));
    const all = this.#blocks[index >>> BLOCK_SHIFT]!;
    const base = (index & (BLOCK_ROWS - 1)) * PERMUTATIONS;
    all.set(signatures.subarray(offset, offset + PERMUTATIONS), base);
    const { bands, rows } = this.banding;
    for (let band = 0; band < bands; band++) {
      let key = band;
      for (let r = 0; r < rows; r++) key = fmix32(key ^ all[base + band * rows + r]!);
      const bucket = this.#buckets[band]!;
      bucket.reserve(index);
      const slot = bucket.slot(key | 0);
      if (bucket.isEmpty(slot)) {
        bucket.open(slot, key | 0, index);
        continue;
      }
      let matched = false;
      for (let other = bucket.first(slot); other !== -1; other = bucket.next(other)) {
        const similarity = this.#estimate(index, other);
        if (similarity >= this.threshold) {
          this.#union(other, index, similarity);
          matched = true;
        }
      }
      if (!matched && bucket.size(slot) < REPRESENTATIVES) bucket.add(slot, index);
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
    const [blockA, blockB] = [this.#blocks[a >>> BLOCK_SHIFT]!, this.#blocks[b >>> BLOCK_SHIFT]!];
    const [baseA, baseB] = [(a & (BLOCK_ROWS - 1)) * PERMUTATIONS, (b & (BLOCK_ROWS - 1)) * PERMUTATIONS];
    let same = 0;
    for (let p = 0; p < PERMUTATIONS; p++) if (blockA[baseA + p] === blockB[baseB + p]) same++;
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

/**
 * One LSH band's buckets: a band key to up to REPRESENTATIVES row indexes (newest first: each
 * new row is compared with all of them, so their order changes nothing). Open addressing over
 * typed arrays, up to three quarters full (a Map of arrays cost an allocation a band a row); a
 * bucket's rows are a list threaded through `#next`, one entry a row (a row is in at most one
 * bucket of a band). About 16 bytes a row a band.
 */
class BandBuckets {
  #keys = new Int32Array(1024);
  /** Row index + 1 of each bucket's first representative; 0 marks an empty slot. */
  #first = new Int32Array(1024);
  #sizes = new Uint8Array(1024);
  /** Row index + 1 of the next representative in the row's bucket; 0 ends the list. */
  #next = new Int32Array(1024);
  #used = 0;

  /** Makes room for one more bucket and for row `index`; slots found before are then stale. */
  reserve(index: number): void {
    if (index >= this.#next.length) {
      const next = new Int32Array(this.#next.length * 2);
      next.set(this.#next);
      this.#next = next;
    }
    if ((this.#used + 1) * 4 <= this.#keys.length * 3) return;
    const [keys, first, sizes] = [this.#keys, this.#first, this.#sizes];
    this.#keys = new Int32Array(keys.length * 2);
    this.#first = new Int32Array(keys.length * 2);
    this.#sizes = new Uint8Array(keys.length * 2);
    for (let s = 0; s < keys.length; s++) {
      if (first[s] === 0) continue;
      const slot = this.slot(keys[s]!);
      this.#keys[slot] = keys[s]!;
      this.#first[slot] = first[s]!;
      this.#sizes[slot] = sizes[s]!;
    }
  }

  /** The slot of the bucket with this key, or the empty slot where it would go. */
  slot(key: number): number {
    const mask = this.#keys.length - 1;
    let slot = key & mask;
    while (this.#first[slot] !== 0 && this.#keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  isEmpty(slot: number): boolean {
    return this.#first[slot] === 0;
  }

  size(slot: number): number {
    return this.#sizes[slot]!;
  }

  /** The bucket's first representative. */
  first(slot: number): number {
    return this.#first[slot]! - 1;
  }

  /** The representative after `index` in its bucket, or -1. */
  next(index: number): number {
    return this.#next[index]! - 1;
  }

  /** A new bucket at an empty slot, holding row `index`. */
  open(slot: number, key: number, index: number): void {
    this.#keys[slot] = key;
    this.#first[slot] = index + 1;
    this.#sizes[slot] = 1;
    this.#used++;
  }

  /** Adds row `index` to the bucket at `slot`, first. */
  add(slot: number, index: number): void {
    this.#next[index] = this.#first[slot]!;
    this.#first[slot] = index + 1;
    this.#sizes[slot]!++;
  }
}
