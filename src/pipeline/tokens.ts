import { createRequire } from 'node:module';
import { cl100kPieceEnd, classTable, o200kPieceEnd, pieceHash } from './pretokenize.ts';
import { Segments } from './segments.ts';
import type { SegmentCache, TextMeasure } from './segments.ts';
import { CodeUnits } from './units.ts';

export type { SegmentCache, TextMeasure } from './segments.ts';

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
const FIELDS_MASK = SLOT_FIELDS * SLOTS - 1;

// A piece's measure, in one number (the cache's COUNT field): its tokens (a piece of at most
// LONG_PIECE code units has at most 3 UTF-8 bytes a unit, so at most 192 tokens), the words
// that start inside it (at most half its units), and flags for the words and PII at its edges.
const TOKENS_MASK = 0xffff;
const WORDS_SHIFT = 16;
const WORDS_MASK = 0x3f;
/** A PII character anywhere in the piece, or `::` inside it. */
const PII = 1 << 22;
const FIRST_SPACE_BIT = 23;
const FIRST_SPACE = 1 << FIRST_SPACE_BIT;
const FIRST_COLON = 1 << 24;
/** Each "last" flag is its "first" flag moved up by LAST_TO_FIRST bits. */
const LAST_TO_FIRST = 2;
const LAST_SPACE = FIRST_SPACE << LAST_TO_FIRST;
const LAST_COLON = FIRST_COLON << LAST_TO_FIRST;

const textUnits = new CodeUnits();

// What a measure needs of a code unit, as bits: a space between words, a character PII needs
// wherever it is (`@`, an ASCII digit), a colon (`::` is one too).
const WORD_SPACE = 1;
const PII_CHAR = 2;
const COLON = 4;
let unitKinds: Uint8Array | null = null;

function kinds(): Uint8Array {
  if (unitKinds) return unitKinds;
  unitKinds = new Uint8Array(65536);
  for (const space of [9, 10, 11, 12, 13, 32, 160, 0x3000]) unitKinds[space] = WORD_SPACE;
  for (let c = 48; c <= 57; c++) unitKinds[c] = PII_CHAR;
  unitKinds[64] = PII_CHAR;
  unitKinds[58] = COLON;
  return unitKinds;
}

/** Words that start inside `[start, end)`, after its first unit: where a non-space follows a space. */
function innerWords(u: Uint16Array, start: number, end: number): number {
  const kind = kinds();
  let words = 0;
  let previous = kind[u[start]!]!;
  // Branch-free: a branch at every word's edge was mispredicted often enough to double the time.
  for (let i = start + 1; i < end; i++) {
    const k = kind[u[i]!]!;
    words += previous & ~k & WORD_SPACE;
    previous = k;
  }
  return words;
}

/**
 * The measure of the units in `[start, end)`, without its tokens: its inner words (for a
 * piece of at most LONG_PIECE units), whether it has a PII character or `::`, and whether it
 * starts or ends with a space or a colon.
 */
function measureUnits(u: Uint16Array, start: number, end: number): number {
  const kind = kinds();
  const first = kind[u[start]!]!;
  const last = kind[u[end - 1]!]!;
  let found = 0;
  let previous = 0;
  for (let i = start; i < end; i++) {
    const k = kind[u[i]!]!;
    found |= (k & PII_CHAR) | (k & previous & COLON);
    previous = k;
  }
  let measure = Math.min(innerWords(u, start, end), WORDS_MASK) << WORDS_SHIFT;
  if (found) measure |= PII;
  if (first & WORD_SPACE) measure |= FIRST_SPACE;
  if (first & COLON) measure |= FIRST_COLON;
  if (last & WORD_SPACE) measure |= LAST_SPACE;
  if (last & COLON) measure |= LAST_COLON;
  return measure;
}

/**
 * Exact token counts (the same as gpt-tokenizer's, with special-token text counted as plain
 * text rather than refused), and in the same pass the text's words and PII hint. A text is
 * cut into segments whose measures add up (`Segments`), most of them found in a cache of
 * segments seen before. A segment that is not is split by a hand-written pre-tokenizer, and
 * each piece's count comes from a second bounded cache: most pieces are common words, so
 * gpt-tokenizer's BPE runs only for pieces not seen before. Both caches are keyed by a hash
 * checked against the stored text, so a lookup makes no substring (a Map of strings was a
 * third of an audit's time). A cached piece also holds what words and PII need of it
 * (`measureUnits`), so they cost nothing more per character (a separate scan of every text
 * was a tenth of an audit).
 */
export class TokenCounter {
  /** gpt-tokenizer's BPE, loaded when a piece is first counted: a thread whose segments are all cached never loads it. */
  #bpe: ((text: string) => number) | null = null;
  /**
   * Per slot, side by side so a probe reads one cache line: the piece's measure (its tokens
   * and what words and PII need of it; 0 marks an empty slot: no piece counts 0 tokens), its
   * key, its length, where its code units are in the pool.
   */
  readonly #slots = new Int32Array(SLOTS * SLOT_FIELDS);
  readonly #pool = new Uint16Array(POOL_UNITS);
  #poolUsed = 0;
  #entries = 0;
  readonly #measured: TextMeasure = { tokens: 0, words: 0, maybePii: false };
  readonly #segments = new Segments((text) => this.#measurePieces(text));

  constructor(readonly encoding: TokenEncoding) {}

  /** This thread's counter for an encoding, shared by every audit so its cache stays warm. */
  static shared(encoding: TokenEncoding): TokenCounter {
    return (sharedCounters[encoding] ??= new TokenCounter(encoding));
  }

  count(text: string): number {
    return this.measure(text).tokens;
  }

  /** The text's tokens, words and PII hint. The answer is one object, overwritten by the next call. */
  measure(text: string): Readonly<TextMeasure> {
    return this.#segments.measure(text);
  }

  /** `measure` of UTF-8 text held one byte a character (a line read as Latin-1, undecoded). */
  measureUtf8(bytes: string): Readonly<TextMeasure> {
    return this.#segments.measureUtf8(bytes);
  }

  /** How many segments the counter has cached. */
  get segmentsCached(): number {
    return this.#segments.size;
  }

  /** Copies of the cached segments, to warm a counter on another thread. */
  cachedSegments(): SegmentCache {
    return this.#segments.snapshot();
  }

  /** Takes another counter's cached segments (of the same encoding), when this one has none yet. */
  warm(cache: SegmentCache): void {
    this.#segments.warm(cache);
  }

  /** The measure of a text from its pre-tokens, each piece's measure cached. */
  #measurePieces(text: string): Readonly<TextMeasure> {
    const n = text.length;
    const u = textUnits.load(text);
    const t = classTable();
    const o200kSplit = this.encoding === 'o200k_base';
    const slots = this.#slots;
    const pool = this.#pool;
    let tokens = 0;
    let words = 0;
    let pii = 0;
    // The previous piece's measure moved down LAST_TO_FIRST bits, so its "last" flags line up
    // with this piece's "first" ones: as if a space came before the text.
    let previous = FIRST_SPACE;
    for (let start = 0; start < n; ) {
      const end = o200kSplit ? o200kPieceEnd(u, t, start, n) : cl100kPieceEnd(u, t, start, n);
      const length = end - start;
      let measure = 0;
      if (length > LONG_PIECE) {
        // Counted apart: their tokens and words may not fit a measure's fields.
        tokens += this.#countPiece(text.slice(start, end));
        words += innerWords(u, start, end);
        measure = measureUnits(u, start, end) & ~(WORDS_MASK << WORDS_SHIFT);
      } else {
        // FNV's low bits are weak and the table indexes by them: mix the high bits down.
        let key = pieceHash[0]!;
        key = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
        key ^= key >>> 16;
        for (let at = (key & MASK) * SLOT_FIELDS; slots[at + COUNT] !== 0; at = (at + SLOT_FIELDS) & FIELDS_MASK) {
          if (slots[at + KEY] !== key || slots[at + LENGTH] !== length) continue;
          // The hash picked the slot; the code units decide, so a count is never another piece's.
          const stored = slots[at + START]!;
          let i = 0;
          while (i < length && pool[stored + i] === u[start + i]) i++;
          if (i === length) {
            measure = slots[at + COUNT]!;
            break;
          }
        }
        if (measure === 0) measure = this.#insert(text, u, start, end, key);
      }
      tokens += measure & TOKENS_MASK;
      // A word starts inside the piece, or at its start when the previous piece ended with a
      // space and this one does not start with one. (The split patterns keep `::` in one piece;
      // the check across two costs nothing and does not rely on it.)
      words += ((measure >>> WORDS_SHIFT) & WORDS_MASK) + ((previous & ~measure & FIRST_SPACE) >>> FIRST_SPACE_BIT);
      pii |= (measure & PII) | (previous & measure & FIRST_COLON);
      previous = measure >>> LAST_TO_FIRST;
      start = end;
    }
    const measured = this.#measured;
    measured.tokens = tokens;
    measured.words = words;
    measured.maybePii = pii !== 0;
    return measured;
  }

  /** Counts a piece not in the cache by BPE and caches it with its measure (clearing the cache when full). */
  #insert(text: string, units: Uint16Array, start: number, end: number, key: number): number {
    const length = end - start;
    const measure = this.#countPiece(text.slice(start, end)) | measureUnits(units, start, end);
    if (this.#entries >= MAX_ENTRIES || this.#poolUsed + length > POOL_UNITS) this.#clear();
    const slots = this.#slots;
    let at = (key & MASK) * SLOT_FIELDS;
    while (slots[at + COUNT] !== 0) at = (at + SLOT_FIELDS) & FIELDS_MASK;
    slots[at + COUNT] = measure;
    slots[at + KEY] = key;
    slots[at + LENGTH] = length;
    slots[at + START] = this.#poolUsed;
    this.#pool.set(units.subarray(start, end), this.#poolUsed);
    this.#poolUsed += length;
    this.#entries++;
    return measure;
  }

  #countPiece(piece: string): number {
    return (this.#bpe ??= referenceCounter(this.encoding))(piece);
  }

  #clear(): void {
    this.#slots.fill(0);
    this.#poolUsed = 0;
    this.#entries = 0;
  }
}
