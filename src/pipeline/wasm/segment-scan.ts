// AssemblyScript, compiled to segment-scan.wasm by `npm run build:wasm` (the wasm is committed;
// test/segment-scan-wasm.test.ts checks it is this source's). The scan of `Segments`
// (../segments.ts): a text is cut at spaces into segments whose token counts add up, and each
// segment's measure is looked up in a cache keyed by its bytes. It runs in WebAssembly for its
// SIMD: a space search 16 bytes at a time, a segment's first 16 bytes masked, hashed and
// compared at once. The same scan in JavaScript took twice as long (an audit's largest part).
//
// Memory is laid out by hand (no allocator, no static data): the result, the byte masks, the
// host's character tables, the cache's slots and pool, then the text, which grows.

/** Measures a segment not in the cache: `tokens | words << 8 | (PII hint) << 14` (see `Measure`). */
@external("host", "measureSegment")
declare function measureSegment(start: i32, end: i32): i32;
/** Measures a segment too long for the cache: returns its tokens, writes its words and PII hint at `RESULT`. */
@external("host", "measureLong")
declare function measureLong(start: i32, end: i32): i32;

/** Two numbers: words, PII hint (0 or 1). The answer of `measure` besides its tokens, and of `measureLong`. */
const RESULT: i32 = 16;
/** Per length 0 to 16, 16 bytes: 0xff for each of the first `length` bytes, 0 after. */
const MASKS: i32 = 64;
/** The host's table of `Edge` flags, per pair of bytes beside a space (the one before | the one after << 8). */
const EDGES: i32 = 1024;
/** The host's table: 1 for each BMP code point that is white space to the split patterns. */
const WHITE: i32 = EDGES + 0x10000;

const SLOTS: i32 = 1 << 17;
/** A slot: the segment's first 16 bytes (zero past its end), its measure (0: empty) and length, its hash, where its other bytes are in the pool. */
const SLOT_BYTES: i32 = 32;
const SLOT_MEASURE: i32 = 16;
const SLOT_KEY: i32 = 20;
const SLOT_POOL: i32 = 24;
/** At most half full, then cleared. */
const MAX_ENTRIES: i32 = SLOTS >>> 1;
const POOL_BYTES: i32 = 1 << 20;
const SLOTS_AT: i32 = WHITE + 0x10000;
const POOL_AT: i32 = SLOTS_AT + SLOTS * SLOT_BYTES;
/** The text and the spaces after it (16: a segment's inline bytes, or a search block, read past its end). */
const TEXT_AT: i32 = POOL_AT + POOL_BYTES + 16;
const SENTINEL: i32 = 16;
/** Segments longer than this are measured every time (rare but for scripts without spaces, and they would crowd the cache). */
const LONG_SEGMENT: i32 = 64;
const INLINE: i32 = 16;

/** What the cut test needs of the bytes beside a space (as the host's table holds them). */
const ASCII_SPACE: i32 = 1;
const MAYBE_SPACE: i32 = 2;

/** A measure: tokens in the low byte, words from bit 8, the PII hint, the segment's length from bit 16. */
const TOKENS: i32 = 0xff;
const WORDS_SHIFT: i32 = 8;
const WORDS: i32 = 0x3f;
const PII: i32 = 1 << 14;
const LENGTH_SHIFT: i32 = 16;

let entries: i32 = 0;
let poolUsed: i32 = 0;
let textBytes: i32 = 0;

for (let length = 0; length <= INLINE; length++) {
  for (let i = 0; i < INLINE; i++) store<u8>(MASKS + length * INLINE + i, i < length ? 0xff : 0);
}

export function resultAt(): i32 {
  return RESULT;
}

export function edgesAt(): i32 {
  return EDGES;
}

export function whiteAt(): i32 {
  return WHITE;
}

/** Room for a text of `bytes` bytes (growing the memory when needed); returns where to write it. */
export function reserve(bytes: i32): i32 {
  if (bytes > textBytes) {
    textBytes = bytes;
    const needed = TEXT_AT + textBytes + SENTINEL;
    const pages = memory.size();
    if (needed > pages << 16 && memory.grow(((needed - (pages << 16)) + 0xffff) >>> 16) < 0) unreachable();
  }
  return TEXT_AT;
}

/** How many segments are cached. */
export function cached(): i32 {
  return entries;
}

/** Where the cache starts (its slots, then its pool) and ends (the pool's bytes in use): what a copy of it needs. */
export function cacheStart(): i32 {
  return SLOTS_AT;
}

export function cacheEnd(): i32 {
  return POOL_AT + poolUsed;
}

/** After the host wrote another instance's cache between `cacheStart` and `cacheStart + bytes`. */
export function restored(bytes: i32, count: i32): void {
  poolUsed = SLOTS_AT + bytes - POOL_AT;
  entries = count;
}

/** The code point whose UTF-8 sequence starts at `i` (valid UTF-8); an astral one as 0x10000, never white space. */
function codePointAt(i: i32): i32 {
  const lead = <i32>load<u8>(i);
  if (lead < 0x80) return lead;
  if (lead < 0xe0) return ((lead & 0x1f) << 6) | (<i32>load<u8>(i + 1) & 0x3f);
  if (lead < 0xf0) return ((lead & 0x0f) << 12) | ((<i32>load<u8>(i + 1) & 0x3f) << 6) | (<i32>load<u8>(i + 2) & 0x3f);
  return 0x10000;
}

function isWhite(codePoint: i32): bool {
  return codePoint < 0x10000 && load<u8>(WHITE + codePoint) == 1;
}

/** Whether neither character beside the space at `q` is white space, when a byte beside it said it might be. */
function spacedBeyondAscii(q: i32): bool {
  let lead = q - 1;
  while (lead > TEXT_AT && (load<u8>(lead) & 0xc0) == 0x80) lead--;
  return !isWhite(codePointAt(lead)) && !isWhite(codePointAt(q + 1));
}

/** The first `bytes` (0 to 3) bytes of a little-endian word. */
function lowBytes(word: i32, bytes: i32): i32 {
  return word & ((1 << (bytes << 3)) - 1);
}

/** `h` fed the segment's bytes past the inline ones, four at a time (FNV-1a's prime). */
function hashTail(h: i32, start: i32, length: i32): i32 {
  let i = INLINE;
  for (; i + 4 <= length; i += 4) h = (h ^ load<i32>(start + i)) * 0x01000193;
  return i == length ? h : (h ^ lowBytes(load<i32>(start + i), length - i)) * 0x01000193;
}

/** Whether the pool holds the segment's bytes past the inline ones at `stored`. */
function storedEqual(stored: i32, start: i32, length: i32): bool {
  let i = INLINE;
  for (; i + 4 <= length; i += 4) if (load<i32>(stored + i - INLINE) != load<i32>(start + i)) return false;
  return i == length || lowBytes(load<i32>(stored + i - INLINE) ^ load<i32>(start + i), length - i) == 0;
}

function clear(): void {
  memory.fill(SLOTS_AT, 0, SLOTS * SLOT_BYTES);
  poolUsed = 0;
  entries = 0;
}

/** Measures a segment not in the cache (by the host) and caches it, clearing the cache when full. */
function insert(start: i32, end: i32, key: i32, inline: v128): i32 {
  const length = end - start;
  const measure = measureSegment(start, end) | (length << LENGTH_SHIFT);
  if (entries >= MAX_ENTRIES || poolUsed + length > POOL_BYTES) clear();
  let slot = SLOTS_AT + (key & (SLOTS - 1)) * SLOT_BYTES;
  while (load<i32>(slot + SLOT_MEASURE) != 0) slot = slot + SLOT_BYTES == POOL_AT ? SLOTS_AT : slot + SLOT_BYTES;
  v128.store(slot, inline);
  store<i32>(slot + SLOT_MEASURE, measure);
  store<i32>(slot + SLOT_KEY, key);
  if (length > INLINE) {
    store<i32>(slot + SLOT_POOL, POOL_AT + poolUsed);
    memory.copy(POOL_AT + poolUsed, start + INLINE, length - INLINE);
    poolUsed += length - INLINE;
  }
  entries++;
  return measure;
}

/** A short segment's measure, from the cache or measured and cached. */
function lookUp(start: i32, end: i32): i32 {
  const length = end - start;
  const inline = v128.and(v128.load(start), v128.load(MASKS + min(length, INLINE) * INLINE));
  let h =
    i32x4.extract_lane(inline, 0) * 0x9e3779b1 +
    i32x4.extract_lane(inline, 1) * 0x85ebca77 +
    i32x4.extract_lane(inline, 2) * 0xc2b2ae3d +
    (i32x4.extract_lane(inline, 3) ^ length) * 0x27d4eb2f;
  if (length > INLINE) h = hashTail(h, start, length);
  // The table indexes by the low bits: mix the high ones down.
  h = (h ^ (h >>> 15)) * 0x45d9f3b;
  h ^= h >>> 16;
  let slot = SLOTS_AT + (h & (SLOTS - 1)) * SLOT_BYTES;
  while (true) {
    const measure = load<i32>(slot + SLOT_MEASURE);
    if (measure == 0) return insert(start, end, h, inline);
    // The hash picked the slot; the bytes decide, so a measure is never another segment's.
    const same = measure >>> LENGTH_SHIFT == length && !v128.any_true(v128.xor(v128.load(slot), inline));
    if (same && (length <= INLINE || (load<i32>(slot + SLOT_KEY) == h && storedEqual(load<i32>(slot + SLOT_POOL), start, length)))) return measure;
    slot = slot + SLOT_BYTES == POOL_AT ? SLOTS_AT : slot + SLOT_BYTES;
  }
}

/**
 * The tokens of the `n` bytes (at least one) the host wrote at `reserve`'s address; their words
 * and PII hint at `RESULT`. A text is cut at every space (0x20) with something other than white
 * space on each side (../segments.ts says why the measures then add up); its first byte never
 * ends a segment.
 */
export function measure(n: i32): i32 {
  const stop = TEXT_AT + n;
  const spaces = i8x16.splat(0x20);
  v128.store(stop, spaces);
  let tokens = 0;
  let words = 0;
  let pii = 0;
  let start = TEXT_AT;
  let block = TEXT_AT;
  // The spaces of the 16 bytes at `block` not yet looked at, a bit each.
  let found = i8x16.bitmask(i8x16.eq(v128.load(block), spaces)) & ~1;
  while (true) {
    let end = stop;
    while (true) {
      while (found == 0 && (block += 16) < stop) found = i8x16.bitmask(i8x16.eq(v128.load(block), spaces));
      if (found == 0) break;
      const q = block + ctz(found);
      found &= found - 1;
      // A space is a cut unless white space is beside it: rare, so the branch is predicted. (A
      // space of the sentinel never is: a space follows it, and the search stops at its block.)
      const kinds = <i32>load<u8>(EDGES + (<i32>load<u8>(q - 1) | (<i32>load<u8>(q + 1) << 8)));
      if (kinds != 0 && !(kinds == MAYBE_SPACE && spacedBeyondAscii(q))) continue;
      end = q;
      break;
    }
    if (end - start <= LONG_SEGMENT) {
      const measure = lookUp(start, end);
      tokens += measure & TOKENS;
      words += (measure >>> WORDS_SHIFT) & WORDS;
      pii |= measure & PII;
    } else {
      tokens += measureLong(start, end);
      words += load<i32>(RESULT);
      pii |= load<i32>(RESULT + 4);
    }
    if (end == stop) break;
    start = end;
  }
  store<i32>(RESULT, words);
  store<i32>(RESULT + 4, pii != 0 ? 1 : 0);
  return tokens;
}
