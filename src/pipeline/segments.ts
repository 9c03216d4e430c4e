/** What one pass over a text finds: its tokens, its words, and whether it may hold PII. */
export interface TextMeasure {
  tokens: number;
  /** Runs of characters other than white space (tab, line breaks, space, no-break space, ideographic space). */
  words: number;
  /** Whether it has a character every PII pattern needs somewhere (`@`, an ASCII digit, `::`): without one, `scanPii` finds nothing. */
  maybePii: boolean;
}

/** Segments longer than this are measured every time (rare but for scripts without spaces, and they would crowd the cache). */
const LONG_SEGMENT = 64;

// The cache: open addressing over 2^17 slots of FIELDS numbers, at most half full; a slot holds
// a segment's first INLINE bytes, a pool the rest of longer ones. 8 MB, cleared when full.
const SLOTS = 1 << 17;
const MASK = SLOTS - 1;
const MAX_ENTRIES = SLOTS >>> 1;
const POOL_BYTES = 1 << 20;
const FIELDS = 8;
const FIELDS_MASK = FIELDS * SLOTS - 1;
const MEASURE = 0;
const LENGTH = 1;
/** The segment's first 16 bytes as four words (zero past its end), compared at once: most segments are whole in them. */
const WORD0 = 2;
const WORD1 = 3;
const WORD2 = 4;
const WORD3 = 5;
const KEY = 6;
const START = 7;
const INLINE = 16;
/** The first `i` bytes of a little-endian word. */
const BYTE_MASKS = new Int32Array([0, 0xff, 0xffff, 0xffffff, -1]);
/** Per word of a slot, per segment length, what of the word is the segment's: tables, as a branch on the length would be mispredicted at every other segment. */
const WORD_MASKS = Array.from({ length: INLINE / 4 }, (_, word) => Int32Array.from({ length: LONG_SEGMENT + 1 }, (_, length) => BYTE_MASKS[Math.max(0, Math.min(4, length - word * 4))]!));
const [MASK0, MASK1, MASK2, MASK3] = WORD_MASKS as [Int32Array, Int32Array, Int32Array, Int32Array];

// A cached segment's measure, in one number: its tokens (at most one a byte), its words (at
// most one every two bytes) and the PII hint. Every segment has a token, so 0 marks an empty slot.
const TOKENS_MASK = 0xff;
const WORDS_SHIFT = 8;
const WORDS_MASK = 0x3f;
const PII = 1 << 14;

/** A cache's segments as plain data (copies, transferable), to warm another thread's cache. */
export interface SegmentCache {
  slots: Int32Array;
  pool: Uint8Array;
  entries: number;
}

/** Spaces written after the text: a scan for the next space stops at the end without a bounds check. */
const SENTINEL = 8;
/** Bytes a scan may read past the text: the sentinel, and the slot's words of a short last segment. */
const SLACK = Math.max(SENTINEL, INLINE);
const SPACES = 0x20202020;
const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/**
 * White space to the split patterns (`\s`, JavaScript's white space and line terminators): a
 * fixed list, so a thread that finds every segment cached builds no class table.
 */
const WHITE_SPACE = [9, 10, 11, 12, 13, 0x20, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
const WHITE_SPACE_SET = new Set(WHITE_SPACE);

/** Whether a code point is white space to the split patterns. */
export function isWhiteSpace(codePoint: number): boolean {
  return WHITE_SPACE_SET.has(codePoint);
}

/**
 * What the cut test needs of the bytes beside a space: per byte, whether it is ASCII white
 * space (1), or may end (ENDS) or start (STARTS) a white-space character beyond ASCII (2).
 */
const ASCII_SPACE = 1;
const MAYBE_SPACE = 2;
const ENDS = new Uint8Array(256);
const STARTS = new Uint8Array(256);
for (const c of WHITE_SPACE) {
  const utf8 = Buffer.from(String.fromCharCode(c), 'utf8');
  const kind = c < 0x80 ? ASCII_SPACE : MAYBE_SPACE;
  STARTS[utf8[0]!] = kind;
  ENDS[utf8[utf8.length - 1]!] = kind;
}

/** A flag (the byte's top bit) for each byte of `w` that is a space (U+0020), exactly: no carry crosses bytes. */
function spaceBytes(w: number): number {
  const x = w ^ SPACES;
  return ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
}

/** The code point whose UTF-8 sequence starts at `i` (valid UTF-8). */
function codePointAt(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return lead;
  if (lead < 0xe0) return ((lead & 0x1f) << 6) | (b[i + 1]! & 0x3f);
  if (lead < 0xf0) return ((lead & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
  return 0x10000; // astral: never white space, whichever it is
}

/**
 * Whether the space at `q` ends a segment: something follows it in the text and neither
 * neighbour is white space. Only then can no pre-token cross it (see `Segments`).
 */
function cutsAt(b: Uint8Array, q: number, n: number): boolean {
  if (q + 1 >= n) return false;
  const kinds = ENDS[b[q - 1]!]! | STARTS[b[q + 1]!]!;
  if (kinds === 0) return true;
  if (kinds & ASCII_SPACE) return false;
  // A neighbour may be white space beyond ASCII: decode both.
  let lead = q - 1;
  while ((b[lead]! & 0xc0) === 0x80) lead--;
  return !isWhiteSpace(codePointAt(b, lead)) && !isWhiteSpace(codePointAt(b, q + 1));
}

/**
 * A text's measure as the sum of its segments' measures, each short segment's taken from a
 * bounded cache keyed by its UTF-8 bytes: most segments are a space and a word (and its
 * punctuation) seen before, and a cached one costs no pre-tokenizing. The text is cut at
 * every space (U+0020) with something other than white space on each side. No pre-token of
 * either encoding's split pattern crosses such a space: a word, number or punctuation run stops
 * at white space, a space may only start a piece, and a run of white space would need the
 * character before the space to be one. The patterns look neither behind a piece's start nor,
 * at a segment's end, past the non-space that ends it; so a segment is split the same wherever
 * it occurs, and its tokens, words (a word starts after its space) and PII hint (`::` has no
 * space in it) add up to the text's. Other segments (the first of a text, or one after many
 * spaces) are measured alike. A segment not in the cache is decoded and measured by
 * `measureText`.
 */
export class Segments {
  /** The text's UTF-8 bytes, then SENTINEL spaces. */
  #bytes = Buffer.allocUnsafeSlow(1 << 16);
  #view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.length);
  /** Per slot, side by side so a probe reads one cache line: the measure (0: empty), the length, the first bytes, the hash, where the rest is in the pool. */
  readonly #slots = new Int32Array(SLOTS * FIELDS);
  readonly #pool = Buffer.allocUnsafeSlow(POOL_BYTES + 4);
  readonly #poolView = new DataView(this.#pool.buffer, this.#pool.byteOffset, this.#pool.length);
  #poolUsed = 0;
  #entries = 0;
  readonly #measured: TextMeasure = { tokens: 0, words: 0, maybePii: false };

  constructor(private readonly measureText: (text: string) => Readonly<TextMeasure>) {}

  /** The measure of a string, read as UTF-8 (a lone surrogate as U+FFFD, as the tokenizer reads it). The answer is overwritten by the next call. */
  measure(text: string): Readonly<TextMeasure> {
    return this.#measureBytes(this.#load(text, text.length * 3, 'utf8'));
  }

  /** The measure of UTF-8 text held one byte a character (read as Latin-1). The answer is overwritten by the next call. */
  measureUtf8(bytes: string): Readonly<TextMeasure> {
    return this.#measureBytes(this.#load(bytes, bytes.length, 'latin1'));
  }

  /** How many segments are cached. */
  get size(): number {
    return this.#entries;
  }

  /** Copies of the cached segments, to warm another thread's cache. */
  snapshot(): SegmentCache {
    return { slots: this.#slots.slice(), pool: new Uint8Array(this.#pool.subarray(0, this.#poolUsed)), entries: this.#entries };
  }

  /** Takes another cache's segments, when this one has none yet. */
  warm(cache: SegmentCache): void {
    if (this.#entries !== 0) return;
    this.#slots.set(cache.slots);
    this.#pool.set(cache.pool);
    this.#poolUsed = cache.pool.length;
    this.#entries = cache.entries;
  }

  /** Writes the text's bytes, then the sentinel; returns how many bytes the text has. */
  #load(text: string, most: number, encoding: 'utf8' | 'latin1'): number {
    if (this.#bytes.length < most + SLACK) {
      this.#bytes = Buffer.allocUnsafeSlow(Math.max(most + SLACK, this.#bytes.length * 2));
      this.#view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.length);
    }
    const n = this.#bytes.write(text, 0, encoding);
    for (let i = 0; i < SENTINEL; i += 4) this.#view.setInt32(n + i, SPACES);
    return n;
  }

  #measureBytes(n: number): Readonly<TextMeasure> {
    const b = this.#bytes;
    const view = this.#view;
    const slots = this.#slots;
    let tokens = 0;
    let words = 0;
    let pii = 0;
    for (let start = 0; start < n; ) {
      // The segment's end (the next cut, or the text's end at the sentinel), its bytes hashed
      // four at a time on the way. Its own first byte (a space, usually) never ends it.
      let h = HASH_SEED;
      let at = start;
      let w = view.getInt32(at, true);
      let spaces = spaceBytes(w) & ~0x80;
      let end = -1;
      for (;;) {
        for (; spaces !== 0; spaces &= spaces - 1) {
          const q = at + ((31 - Math.clz32(spaces & -spaces)) >>> 3);
          if (q >= n || cutsAt(b, q, n)) {
            end = q;
            break;
          }
        }
        if (end !== -1) break;
        h = Math.imul(h ^ w, HASH_PRIME);
        at += 4;
        w = view.getInt32(at, true);
        spaces = spaceBytes(w);
      }
      const length = end - start;
      let measure = 0;
      if (length <= LONG_SEGMENT) {
        // The bytes of the last word before the end, then the length; FNV's low bits are weak and the table indexes by them.
        h = Math.imul(h ^ (w & BYTE_MASKS[end - at]!), HASH_PRIME);
        h = Math.imul(h ^ length ^ (h >>> 16), 0x45d9f3b);
        h ^= h >>> 16;
        const w0 = view.getInt32(start, true) & MASK0[length]!;
        const w1 = view.getInt32(start + 4, true) & MASK1[length]!;
        const w2 = view.getInt32(start + 8, true) & MASK2[length]!;
        const w3 = view.getInt32(start + 12, true) & MASK3[length]!;
        for (let s = (h & MASK) * FIELDS; slots[s + MEASURE] !== 0; s = (s + FIELDS) & FIELDS_MASK) {
          // The hash picked the slot; the bytes decide, so a measure is never another segment's.
          const differ = (slots[s + LENGTH]! ^ length) | (slots[s + WORD0]! ^ w0) | (slots[s + WORD1]! ^ w1) | (slots[s + WORD2]! ^ w2) | (slots[s + WORD3]! ^ w3);
          if (differ === 0 && (length <= INLINE || (slots[s + KEY] === h && this.#stored(slots[s + START]!, start, length)))) {
            measure = slots[s + MEASURE]!;
            break;
          }
        }
        if (measure === 0) measure = this.#insert(start, end, h);
        tokens += measure & TOKENS_MASK;
        words += (measure >>> WORDS_SHIFT) & WORDS_MASK;
        pii |= measure & PII;
      } else {
        const long = this.measureText(b.toString('utf8', start, end));
        tokens += long.tokens;
        words += long.words;
        if (long.maybePii) pii = PII;
      }
      start = end;
    }
    const measured = this.#measured;
    measured.tokens = tokens;
    measured.words = words;
    measured.maybePii = pii !== 0;
    return measured;
  }

  /** Whether the pool holds the text's bytes `[start + INLINE, start + length)` at `stored`. */
  #stored(stored: number, start: number, length: number): boolean {
    const pool = this.#poolView;
    const view = this.#view;
    let i = INLINE;
    for (; i + 4 <= length; i += 4) if (pool.getInt32(stored + i - INLINE, true) !== view.getInt32(start + i, true)) return false;
    return i === length || ((pool.getInt32(stored + i - INLINE, true) ^ view.getInt32(start + i, true)) & BYTE_MASKS[length - i]!) === 0;
  }

  /** Measures a segment not in the cache and caches it (clearing the cache when full). */
  #insert(start: number, end: number, key: number): number {
    const length = end - start;
    const { tokens, words, maybePii } = this.measureText(this.#bytes.toString('utf8', start, end));
    const measure = tokens | (words << WORDS_SHIFT) | (maybePii ? PII : 0);
    if (this.#entries >= MAX_ENTRIES || this.#poolUsed + length > POOL_BYTES) this.#clear();
    const slots = this.#slots;
    let s = (key & MASK) * FIELDS;
    while (slots[s + MEASURE] !== 0) s = (s + FIELDS) & FIELDS_MASK;
    slots[s + MEASURE] = measure;
    slots[s + LENGTH] = length;
    for (let word = 0; word < INLINE / 4; word++) slots[s + WORD0 + word] = this.#view.getInt32(start + word * 4, true) & WORD_MASKS[word]![length]!;
    slots[s + KEY] = key;
    if (length > INLINE) {
      slots[s + START] = this.#poolUsed;
      this.#bytes.copy(this.#pool, this.#poolUsed, start + INLINE, end);
      this.#poolUsed += length - INLINE;
    }
    this.#entries++;
    return measure;
  }

  #clear(): void {
    this.#slots.fill(0);
    this.#poolUsed = 0;
    this.#entries = 0;
  }
}
