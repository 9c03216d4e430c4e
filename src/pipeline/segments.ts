import { readFileSync } from 'node:fs';

/** What one pass over a text finds: its tokens, its words, and whether it may hold PII. */
export interface TextMeasure {
  tokens: number;
  /** Runs of characters other than white space (tab, line breaks, space, no-break space, ideographic space). */
  words: number;
  /** Whether it has a character every PII pattern needs somewhere (`@`, an ASCII digit, `::`): without one, `scanPii` finds nothing. */
  maybePii: boolean;
}

/** A cache's segments as plain data (a copy, transferable), to warm another thread's cache. */
export interface SegmentCache {
  /** The scan's cache as its memory holds it: slots, then the pool's bytes in use. */
  bytes: Uint8Array;
  entries: number;
}

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

/** A segment's measure as the scan caches it: tokens (at most one a byte), words (at most one every two bytes), the PII hint. */
const enum Measure {
  WordsShift = 8,
  Pii = 1 << 14,
}

/** The part of the WebAssembly API used here (Node has it all; TypeScript declares it only with the DOM's library). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, (...args: number[]) => number>>) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The scan's exports (wasm/segment-scan.ts says what each does). */
interface Scan {
  memory: { buffer: ArrayBuffer };
  resultAt(): number;
  edgesAt(): number;
  whiteAt(): number;
  reserve(bytes: number): number;
  cached(): number;
  cacheStart(): number;
  cacheEnd(): number;
  restored(bytes: number, entries: number): void;
  measure(bytes: number): number;
}

let compiled: object | null = null;

/** Room for text kept after a text that needed more: 16 MB (a text of 5 million characters or more is rare). */
const KEPT_ROOM = 16 << 20;

/** The scan's module, compiled once a thread (1.7 kB). */
function scanModule(): object {
  return (compiled ??= new Module(readFileSync(new URL('./wasm/segment-scan.wasm', import.meta.url))));
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
 *
 * The cut and the cache are WebAssembly (wasm/segment-scan.ts), each instance with its own
 * memory (6 MB: the cache, then the text): this class writes a text's bytes there and measures
 * for it the segments the cache does not hold.
 */
export class Segments {
  #scan!: Scan;
  /** The scan's memory as a Buffer; made again when the memory grows (its buffer is then another). */
  #memory!: Buffer;
  #result!: Int32Array;
  #textAt = 0;
  /** The bytes of text the memory has room for at `#textAt`. */
  #room = 0;
  /** The text being measured as a string, when it was given as one: a text that is one long segment is measured as given. */
  #text: string | null = null;
  #bytes = 0;
  readonly #measured: TextMeasure = { tokens: 0, words: 0, maybePii: false };

  constructor(private readonly measureText: (text: string) => Readonly<TextMeasure>) {
    this.#begin();
  }

  /** A new instance of the scan, with its own memory, calling back into this object: its tables written, no room for text yet. */
  #begin(): void {
    const host = {
      measureSegment: (start: number, end: number): number => {
        const { tokens, words, maybePii } = this.measureText(this.#memory.toString('utf8', start, end));
        return tokens | (words << Measure.WordsShift) | (maybePii ? Measure.Pii : 0);
      },
      measureLong: (start: number, end: number): number => {
        const whole = this.#text !== null && start === this.#textAt && end === this.#textAt + this.#bytes;
        const { tokens, words, maybePii } = this.measureText(whole ? this.#text! : this.#memory.toString('utf8', start, end));
        this.#result[0] = words;
        this.#result[1] = maybePii ? 1 : 0;
        return tokens;
      },
    };
    this.#scan = new Instance(scanModule(), { host }).exports as Scan;
    this.#grow(0);
    this.#memory.set(EDGES, this.#scan.edgesAt());
    this.#memory.set(WHITE, this.#scan.whiteAt());
  }

  /** The measure of a string, read as UTF-8 (a lone surrogate as U+FFFD, as the tokenizer reads it). The answer is overwritten by the next call. */
  measure(text: string): Readonly<TextMeasure> {
    return this.#measure(text, text.length * 3, 'utf8', text);
  }

  /** The measure of UTF-8 text held one byte a character (read as Latin-1). The answer is overwritten by the next call. */
  measureUtf8(bytes: string): Readonly<TextMeasure> {
    return this.#measure(bytes, bytes.length, 'latin1', null);
  }

  /** How many segments are cached. */
  get size(): number {
    return this.#scan.cached();
  }

  /** The bytes the scan's memory takes. */
  get memoryBytes(): number {
    return this.#scan.memory.buffer.byteLength;
  }

  /** A copy of the cached segments, to warm another thread's cache. */
  snapshot(): SegmentCache {
    return { bytes: this.#memory.subarray(this.#scan.cacheStart(), this.#scan.cacheEnd()).slice(), entries: this.#scan.cached() };
  }

  /** Takes another cache's segments, when this one has none yet. */
  warm(cache: SegmentCache): void {
    if (this.#scan.cached() !== 0) return;
    this.#memory.set(cache.bytes, this.#scan.cacheStart());
    this.#scan.restored(cache.bytes.length, cache.entries);
  }

  #measure(text: string, most: number, encoding: 'utf8' | 'latin1', asString: string | null): Readonly<TextMeasure> {
    const measured = this.#measured;
    if (text.length === 0) {
      measured.tokens = 0;
      measured.words = 0;
      measured.maybePii = false;
      return measured;
    }
    if (most > this.#room) this.#grow(Math.max(most, this.#room * 2, 1 << 16));
    this.#bytes = this.#memory.write(text, this.#textAt, encoding);
    this.#text = asString;
    measured.tokens = this.#scan.measure(this.#bytes);
    measured.words = this.#result[0]!;
    measured.maybePii = this.#result[1] !== 0;
    this.#text = null;
    if (this.#room > KEPT_ROOM) this.#shrink();
    return measured;
  }

  /**
   * Back to a memory of the usual size, the cache kept: a WebAssembly memory only grows, and a
   * counter lives as long as its thread (a daemon's, for weeks), so one huge text would
   * otherwise hold its size for good.
   */
  #shrink(): void {
    const cache = this.snapshot();
    this.#begin();
    this.warm(cache);
  }

  /** Room for a text of `bytes`: the memory grows, and the views of it are made again. */
  #grow(bytes: number): void {
    this.#textAt = this.#scan.reserve(bytes);
    this.#room = bytes;
    this.#memory = Buffer.from(this.#scan.memory.buffer);
    this.#result = new Int32Array(this.#scan.memory.buffer, this.#scan.resultAt(), 2);
  }
}
