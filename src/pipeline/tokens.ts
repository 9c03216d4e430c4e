import { createRequire } from 'node:module';
import { splitPieces } from './pretokenize.ts';

const require = createRequire(import.meta.url);
const loaded: Partial<Record<TokenEncoding, (text: string) => number>> = {};

/**
 * gpt-tokenizer's counter for an encoding, loaded on first use: its merge tables take 20 MB
 * (cl100k) to 70 MB (o200k), which a daemon that never counts tokens should not hold.
 */
function referenceCounter(encoding: TokenEncoding): (text: string) => number {
  return (loaded[encoding] ??= (require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: (text: string) => number }).countTokens);
}

const sharedCounters: Partial<Record<TokenEncoding, TokenCounter>> = {};

/** The BPE encodings fine-tuning models use. */
export type TokenEncoding = 'o200k_base' | 'cl100k_base';

/** Pieces longer than this are counted by BPE every time (rare, and they would crowd the cache). */
const LONG_PIECE = 64;
// The cache: open addressing over 2^18 slots of SLOT_FIELDS numbers, at most half full, its
// pieces' text in one pool of code units. 8 MB, cleared when full.
const SLOTS = 1 << 18;
const MASK = SLOTS - 1;
const MAX_ENTRIES = SLOTS >>> 1;
const POOL_UNITS = 1 << 21;
const SLOT_FIELDS = 4;
const COUNT = 0;
const KEY = 1;
const LENGTH = 2;
const START = 3;
const FIELDS_MASK = SLOTS * SLOT_FIELDS - 1;

/**
 * Exact token counts (the same as gpt-tokenizer's, with special-token text counted as plain
 * text rather than refused). The text is split by a hand-written pre-tokenizer, and each
 * piece's count comes from a bounded cache: most pieces are common words, so gpt-tokenizer's
 * BPE runs only for pieces not seen before. The cache is keyed by a hash of the piece's code
 * units, checked against the stored units, so a lookup makes no substring (a Map of strings
 * was a third of an audit's time).
 */
export class TokenCounter {
  readonly #count: (text: string) => number;
  /**
   * Per slot, side by side so a probe reads one cache line: the piece's token count (0 marks an
   * empty slot: no piece counts 0), its key, its length, where its code units are in the pool.
   */
  readonly #slots = new Int32Array(SLOTS * SLOT_FIELDS);
  readonly #pool = new Uint16Array(POOL_UNITS);
  #poolUsed = 0;
  #entries = 0;

  constructor(readonly encoding: TokenEncoding) {
    this.#count = referenceCounter(encoding);
  }

  /** This thread's counter for an encoding, shared by every audit so its cache stays warm. */
  static shared(encoding: TokenEncoding): TokenCounter {
    return (sharedCounters[encoding] ??= new TokenCounter(encoding));
  }

  count(text: string): number {
    const { units, ends, hashes, count } = splitPieces(text, this.encoding);
    const slots = this.#slots;
    const pool = this.#pool;
    let total = 0;
    let start = 0;
    pieces: for (let p = 0; p < count; start = ends[p++]!) {
      const end = ends[p]!;
      const length = end - start;
      if (length > LONG_PIECE) {
        total += this.#count(text.slice(start, end));
        continue;
      }
      // FNV's low bits are weak and the table indexes by them: mix the high bits down.
      let key = hashes[p]!;
      key = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
      key ^= key >>> 16;
      for (let at = (key & MASK) * SLOT_FIELDS; slots[at + COUNT] !== 0; at = (at + SLOT_FIELDS) & FIELDS_MASK) {
        if (slots[at + KEY] !== key || slots[at + LENGTH] !== length) continue;
        // The hash picked the slot; the code units decide, so a count is never another piece's.
        const stored = slots[at + START]!;
        let i = 0;
        while (i < length && pool[stored + i] === units[start + i]) i++;
        if (i === length) {
          total += slots[at + COUNT]!;
          continue pieces;
        }
      }
      total += this.#insert(text, units, start, end, key);
    }
    return total;
  }

  /** Counts a piece not in the cache by BPE and caches it (clearing the cache when full). */
  #insert(text: string, units: Uint16Array, start: number, end: number, key: number): number {
    const length = end - start;
    const n = this.#count(text.slice(start, end));
    if (this.#entries >= MAX_ENTRIES || this.#poolUsed + length > POOL_UNITS) this.#clear();
    const slots = this.#slots;
    let at = (key & MASK) * SLOT_FIELDS;
    while (slots[at + COUNT] !== 0) at = (at + SLOT_FIELDS) & FIELDS_MASK;
    slots[at + COUNT] = n;
    slots[at + KEY] = key;
    slots[at + LENGTH] = length;
    slots[at + START] = this.#poolUsed;
    this.#pool.set(units.subarray(start, end), this.#poolUsed);
    this.#poolUsed += length;
    this.#entries++;
    return n;
  }

  #clear(): void {
    this.#slots.fill(0);
    this.#poolUsed = 0;
    this.#entries = 0;
  }
}
