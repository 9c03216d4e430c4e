/** What one pass over a text finds: its tokens, its words, and whether it may hold PII. */
export interface TextMeasure {
  tokens: number;
  /** Runs of characters other than white space (tab, line breaks, space, no-break space, ideographic space). */
  words: number;
  /** Whether it has a character every PII pattern needs somewhere (`@`, an ASCII digit, `::`): without one, `scanPii` finds nothing. */
  maybePii: boolean;
}

/** A cache's segments as plain data (copies, transferable), to warm another thread's cache. */
export interface SegmentCache {
  slots: Int32Array;
  pool: Uint8Array;
  entries: number;
}

// The numbers the scan uses are const enums: their values are written into the code, where a
// module constant is read from the module's context, and checked, at every use (a fifth of the
// scan's instructions).

/**
 * The cache: open addressing over 2^17 slots of `Slot` numbers, at most half full; a slot holds
 * a segment's first `Inline` bytes, a pool the rest of longer ones. 5 MB, cleared when full.
 */
const enum Table {
  Slots = 1 << 17,
  Mask = Slots - 1,
  MaxEntries = Slots >>> 1,
  PoolBytes = 1 << 20,
  /** Segments longer than this are measured every time (rare but for scripts without spaces, and they would crowd the cache). */
  LongSegment = 64,
  Inline = 16,
  /** Spaces written after the text: a scan for the next space stops at its end without a bounds check. */
  Sentinel = 8,
  /** Bytes a scan may read past the text (at least `Sentinel` and `Inline`): the inline words of a short last segment. */
  Slack = 16,
}

/** A slot's numbers, side by side so a probe reads one cache line. */
const enum Slot {
  /** The segment's measure and length (`Measure`); 0 marks an empty slot. */
  Measure,
  /** The segment's first 16 bytes as four words (zero past its end), compared at once: most segments are whole in them. */
  Word0,
  Word1,
  Word2,
  Word3,
  Key,
  /** Where the bytes past the inline ones are in the pool. */
  Start,
  /** Unused: a slot of eight numbers is found by a shift. */
  Padding,
  Fields,
}

/**
 * A cached segment's measure, in one number: its tokens (at most one a byte), its words (at
 * most one every two bytes), the PII hint, and its length (in the cache, read with the rest).
 * Every segment has a token, so 0 is no measure.
 */
const enum Measure {
  Tokens = 0xff,
  WordsShift = 8,
  Words = 0x3f,
  Pii = 1 << 14,
  LengthShift = 16,
}

/**
 * Numbers of the byte scan: four spaces, the low seven bits of four bytes, FNV-1a's prime (for
 * bytes past the inline ones), odd multipliers of the inline words.
 */
const enum Bytes {
  Spaces = 0x20202020,
  Low7 = 0x7f7f7f7f,
  HashPrime = 0x01000193,
  K0 = 0x9e3779b1 | 0,
  K1 = 0x85ebca77 | 0,
  K2 = 0xc2b2ae3d | 0,
  K3 = 0x27d4eb2f,
}

/** The first `i` bytes of a little-endian word. */
const BYTE_MASKS = new Int32Array([0, 0xff, 0xffff, 0xffffff, -1]);
/** Per word of a slot, per segment length, what of the word is the segment's: tables, as a branch on the length would be mispredicted at every other segment. */
const WORD_MASKS = Array.from({ length: Table.Inline / 4 }, (_, word) => Int32Array.from({ length: Table.LongSegment + 1 }, (_, length) => BYTE_MASKS[Math.max(0, Math.min(4, length - word * 4))]!));

/**
 * White space to the split patterns (`\s`, JavaScript's white space and line terminators): a
 * fixed list, so a thread that finds every segment cached builds no class table.
 */
const WHITE_SPACE = [9, 10, 11, 12, 13, 0x20, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
const WHITE = new Uint8Array(0x10000);
for (const c of WHITE_SPACE) WHITE[c] = 1;

/** Whether a code point is white space to the split patterns. */
export function isWhiteSpace(codePoint: number): boolean {
  return codePoint < 0x10000 && WHITE[codePoint] === 1;
}

/** What the cut test needs of the bytes beside a space: whether the one before may end white space, or the one after start it. */
const enum Edge {
  AsciiSpace = 1,
  /** A byte of a white-space character beyond ASCII, or of another that shares it. */
  MaybeSpace = 2,
}
/** Per pair of bytes beside a space (the one before, the one after times 256), their `Edge` flags. */
const EDGES = (() => {
  const ends = new Uint8Array(256);
  const starts = new Uint8Array(256);
  for (const c of WHITE_SPACE) {
    const utf8 = Buffer.from(String.fromCharCode(c), 'utf8');
    const kind = c < 0x80 ? Edge.AsciiSpace : Edge.MaybeSpace;
    starts[utf8[0]!] = kind;
    ends[utf8[utf8.length - 1]!] = kind;
  }
  const edges = new Uint8Array(0x10000);
  for (let pair = 0; pair < 0x10000; pair++) edges[pair] = ends[pair & 0xff]! | starts[pair >>> 8]!;
  return edges;
})();

/** The code point whose UTF-8 sequence starts at `i` (valid UTF-8). */
function codePointAt(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return lead;
  if (lead < 0xe0) return ((lead & 0x1f) << 6) | (b[i + 1]! & 0x3f);
  if (lead < 0xf0) return ((lead & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
  return 0x10000; // astral: never white space, whichever it is
}

/** Whether neither character beside the space at `q` is white space, when a byte beside it said it might be. */
function spacedBeyondAscii(b: Uint8Array, q: number): boolean {
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
  /** The text's UTF-8 bytes, then `Table.Sentinel` spaces. */
  #bytes = Buffer.allocUnsafeSlow(1 << 16);
  #view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.length);
  #spaces = new Int32Array(this.#bytes.length);
  readonly #slots = new Int32Array(Table.Slots * Slot.Fields);
  readonly #pool = Buffer.allocUnsafeSlow(Table.PoolBytes + 4);
  readonly #poolView = new DataView(this.#pool.buffer, this.#pool.byteOffset, this.#pool.length);
  #poolUsed = 0;
  #entries = 0;
  readonly #measured: TextMeasure = { tokens: 0, words: 0, maybePii: false };

  constructor(private readonly measureText: (text: string) => Readonly<TextMeasure>) {}

  /** The measure of a string, read as UTF-8 (a lone surrogate as U+FFFD, as the tokenizer reads it). The answer is overwritten by the next call. */
  measure(text: string): Readonly<TextMeasure> {
    return this.#measureBytes(this.#load(text, text.length * 3, 'utf8'), text);
  }

  /** The measure of UTF-8 text held one byte a character (read as Latin-1). The answer is overwritten by the next call. */
  measureUtf8(bytes: string): Readonly<TextMeasure> {
    return this.#measureBytes(this.#load(bytes, bytes.length, 'latin1'), null);
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
    if (this.#bytes.length < most + Table.Slack) {
      this.#bytes = Buffer.allocUnsafeSlow(Math.max(most + Table.Slack, this.#bytes.length * 2));
      this.#view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.length);
      this.#spaces = new Int32Array(this.#bytes.length);
    }
    const n = this.#bytes.write(text, 0, encoding);
    for (let i = 0; i < Table.Sentinel; i += 4) this.#view.setInt32(n + i, Bytes.Spaces);
    return n;
  }

  /** The measure of the `n` bytes loaded; `text` is the string they were written from, if any. */
  #measureBytes(n: number, text: string | null): Readonly<TextMeasure> {
    const b = this.#bytes;
    const view = this.#view;
    const slots = this.#slots;
    // Every space first, in a pass without branches: a scan for each segment's end branched on
    // the word it ended in, and was mispredicted at most segments (about two misses a segment
    // in a simulator, now one in ten; a third more instructions, yet about a tenth faster).
    const spaces = this.#spaces;
    const found = this.#findSpaces(n);
    // Module tables as locals: read once a text, not at every use.
    const [mask0, mask1, mask2, mask3] = WORD_MASKS as [Int32Array, Int32Array, Int32Array, Int32Array];
    const edges = EDGES;
    let tokens = 0;
    let words = 0;
    let pii = 0;
    let start = 0;
    // The text's own first byte never ends a segment.
    for (let k = found > 0 && spaces[0] === 0 ? 1 : 0; ; k++) {
      let end = n;
      if (k < found) {
        // A space is a cut unless white space is beside it: rare, so the branch is predicted.
        const q = spaces[k]!;
        const around = view.getInt32(q - 1, true);
        const kinds = edges[(around & 0xff) | ((around >>> 8) & 0xff00)]!;
        if (kinds !== 0 && !(kinds === Edge.MaybeSpace && spacedBeyondAscii(b, q))) continue;
        end = q;
      }
      const length = end - start;
      let measure = 0;
      if (length <= Table.LongSegment) {
        // All four inline words, masked to the segment (a branch on its length was mispredicted
        // at every other segment), their hash made of four products side by side.
        const w0 = view.getInt32(start, true) & mask0[length]!;
        const w1 = view.getInt32(start + 4, true) & mask1[length]!;
        const w2 = view.getInt32(start + 8, true) & mask2[length]!;
        const w3 = view.getInt32(start + 12, true) & mask3[length]!;
        let h = (Math.imul(w0, Bytes.K0) + Math.imul(w1, Bytes.K1) + Math.imul(w2, Bytes.K2) + Math.imul(w3 ^ length, Bytes.K3)) | 0;
        if (length > Table.Inline) h = this.#hashTail(h, start, length);
        // The table indexes by the low bits: mix the high ones down.
        h = Math.imul(h ^ (h >>> 15), 0x45d9f3b);
        h ^= h >>> 16;
        for (let s = (h & Table.Mask) * Slot.Fields; (measure = slots[s + Slot.Measure]!) !== 0; s = (s + Slot.Fields) & (Table.Slots * Slot.Fields - 1)) {
          // The hash picked the slot; the bytes decide, so a measure is never another segment's.
          // (A slot of the same length holds zeros where the segment has no bytes.)
          if ((((measure >>> Measure.LengthShift) ^ length) | (slots[s + Slot.Word0]! ^ w0) | (slots[s + Slot.Word1]! ^ w1) | (slots[s + Slot.Word2]! ^ w2) | (slots[s + Slot.Word3]! ^ w3)) !== 0) continue;
          if (length <= Table.Inline || (slots[s + Slot.Key] === h && this.#stored(slots[s + Slot.Start]!, start, length))) break;
        }
        if (measure === 0) measure = this.#insert(start, end, h);
      } else {
        // A text that is one long segment (a script without spaces) is measured as it was given.
        const long = this.measureText(text !== null && start === 0 && end === n ? text : b.toString('utf8', start, end));
        tokens += long.tokens;
        words += long.words;
        if (long.maybePii) pii = Measure.Pii;
      }
      tokens += measure & Measure.Tokens;
      words += (measure >>> Measure.WordsShift) & Measure.Words;
      pii |= measure & Measure.Pii;
      if (end === n) break;
      start = end;
    }
    const measured = this.#measured;
    measured.tokens = tokens;
    measured.words = words;
    measured.maybePii = pii !== 0;
    return measured;
  }

  /**
   * Writes where each space of the `n` bytes is into `#spaces`, in order, and returns how many:
   * four bytes at a time, each position written and kept only when it is a space (no branch).
   */
  #findSpaces(n: number): number {
    const view = this.#view;
    const spaces = this.#spaces;
    let found = 0;
    for (let at = 0; at < n; at += 4) {
      // A flag (the byte's top bit) for each byte that is a space, exactly: no carry crosses
      // bytes. (Written out: a call to a module function checks, at every word, that the
      // module still holds that function.)
      const x = view.getInt32(at, true) ^ Bytes.Spaces;
      const flags = ~(((x & Bytes.Low7) + Bytes.Low7) | x | Bytes.Low7);
      spaces[found] = at;
      found = (found + ((flags >>> 7) & 1)) | 0;
      spaces[found] = at + 1;
      found = (found + ((flags >>> 15) & 1)) | 0;
      spaces[found] = at + 2;
      found = (found + ((flags >>> 23) & 1)) | 0;
      spaces[found] = at + 3;
      found = (found + (flags >>> 31)) | 0;
    }
    // The last word may reach into the sentinel.
    while (found > 0 && spaces[found - 1]! >= n) found--;
    return found;
  }

  /** `h` fed the segment's bytes past the inline ones, four at a time. */
  #hashTail(h: number, start: number, length: number): number {
    const view = this.#view;
    let i = Table.Inline;
    for (; i + 4 <= length; i += 4) h = Math.imul(h ^ view.getInt32(start + i, true), Bytes.HashPrime);
    return i === length ? h : Math.imul(h ^ (view.getInt32(start + i, true) & BYTE_MASKS[length - i]!), Bytes.HashPrime);
  }

  /** Whether the pool holds the text's bytes `[start + Table.Inline, start + length)` at `stored`. */
  #stored(stored: number, start: number, length: number): boolean {
    const pool = this.#poolView;
    const view = this.#view;
    let i = Table.Inline;
    for (; i + 4 <= length; i += 4) if (pool.getInt32(stored + i - Table.Inline, true) !== view.getInt32(start + i, true)) return false;
    return i === length || ((pool.getInt32(stored + i - Table.Inline, true) ^ view.getInt32(start + i, true)) & BYTE_MASKS[length - i]!) === 0;
  }

  /** Measures a segment not in the cache and caches it (clearing the cache when full). */
  #insert(start: number, end: number, key: number): number {
    const length = end - start;
    const { tokens, words, maybePii } = this.measureText(this.#bytes.toString('utf8', start, end));
    const measure = tokens | (words << Measure.WordsShift) | (maybePii ? Measure.Pii : 0) | (length << Measure.LengthShift);
    if (this.#entries >= Table.MaxEntries || this.#poolUsed + length > Table.PoolBytes) this.#clear();
    const slots = this.#slots;
    let s = (key & Table.Mask) * Slot.Fields;
    while (slots[s + Slot.Measure] !== 0) s = (s + Slot.Fields) & (Table.Slots * Slot.Fields - 1);
    slots[s + Slot.Measure] = measure;
    for (let word = 0; word < Table.Inline / 4; word++) slots[s + Slot.Word0 + word] = this.#view.getInt32(start + word * 4, true) & WORD_MASKS[word]![length]!;
    slots[s + Slot.Key] = key;
    if (length > Table.Inline) {
      slots[s + Slot.Start] = this.#poolUsed;
      this.#bytes.copy(this.#pool, this.#poolUsed, start + Table.Inline, end);
      this.#poolUsed += length - Table.Inline;
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
