/**
 * Hand-written pre-tokenizers equal to gpt-tokenizer's split regexes for o200k_base and
 * cl100k_base, on character classes looked up in a table instead of Unicode property escapes:
 * the regexes run at about 10 MB/s and were most of an audit's time. The text is read as an
 * array of code units (`CodeUnits`).
 */

import { CodeUnits } from './units.ts';

// Character classes, as the split patterns see them.
const UPPER = 1; // Lu, Lt: only in the "upper" letter set
const LOWER = 2; // Ll: only in the "lower" set
const BOTH = 3; // Lm, Lo: letters in both sets
const MARK = 4; // M: in both sets, but not a letter
const NUMBER = 5; // N
const SPACE = 6; // \s other than CR and LF
const NEWLINE = 7; // \r, \n
const OTHER = 8; // everything else (punctuation, symbols, lone surrogates)
const END = 9; // past the last code unit
const HIGH = 10; // a high surrogate in the table: its pair's class is looked up apart

// Sets of classes as bit masks, so a set test is a shift and a mask (no predicate calls).
const UPPER_SET = (1 << UPPER) | (1 << BOTH) | (1 << MARK);
const LOWER_SET = (1 << LOWER) | (1 << BOTH) | (1 << MARK);
const LETTERS = (1 << UPPER) | (1 << LOWER) | (1 << BOTH);
/** `[^\r\n\p{L}\p{N}]`: the optional character before a word. */
const PREFIX = (1 << SPACE) | (1 << OTHER) | (1 << MARK);
/** `[^\s\p{L}\p{N}]`: punctuation and symbols (marks included). */
const PUNCT = (1 << OTHER) | (1 << MARK);
const SPACES = (1 << SPACE) | (1 << NEWLINE);

const PATTERNS: Array<[number, RegExp]> = [
  [UPPER, /[\p{Lu}\p{Lt}]/u],
  [LOWER, /\p{Ll}/u],
  [BOTH, /[\p{Lm}\p{Lo}]/u],
  [MARK, /\p{M}/u],
  [NUMBER, /\p{N}/u],
  [SPACE, /\s/u],
];

const astral = new Map<number, number>();

function classify(char: string): number {
  if (char === '\r' || char === '\n') return NEWLINE;
  for (const [kind, pattern] of PATTERNS) if (pattern.test(char)) return kind;
  return OTHER;
}

/** The class of every BMP code unit (surrogates: HIGH, and OTHER for a lone low half), computed once (about 30 ms). */
let bmp: Uint8Array | null = null;
/** The class of every BMP code unit, as `pieceEnd` reads them. */
export function classTable(): Uint8Array {
  if (bmp) return bmp;
  bmp = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) bmp[c] = c >= 0xd800 && c <= 0xdbff ? HIGH : c >= 0xdc00 && c <= 0xdfff ? OTHER : classify(String.fromCharCode(c));
  return bmp;
}

let words: Uint8Array | null = null;

/** 1 for every BMP code unit that is a letter or a number (`[\p{L}\p{N}]`), else 0. */
export function wordCharTable(): Uint8Array {
  if (words) return words;
  const t = classTable();
  words = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) words[c] = t[c] === UPPER || t[c] === LOWER || t[c] === BOTH || t[c] === NUMBER ? 1 : 0;
  return words;
}

/** The encodings whose split patterns this module reproduces. */
export type SplitEncoding = 'o200k_base' | 'cl100k_base';

/**
 * A text's pre-tokens: `count` of them, the i-th ending (exclusive) at `ends[i]`, the first
 * starting at 0, and hashing to `hashes[i]` (`hashUnits` of its code units); `units` holds the
 * text's UTF-16 code units. For a cache of pieces that makes no substrings.
 */
export interface Pieces {
  units: Uint16Array;
  ends: Int32Array;
  hashes: Int32Array;
  count: number;
}

const textUnits = new CodeUnits();
const pieces: Pieces = { units: textUnits.load(''), ends: new Int32Array(4096), hashes: new Int32Array(4096), count: 0 };

const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/** FNV-1a over `units` in `[start, end)`: what `Pieces.hashes` holds. */
export function hashUnits(units: Uint16Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ units[i]!, HASH_PRIME);
  return h;
}

/**
 * Splits `text` into pre-tokens exactly as the encoding's split regex would. The answer is one
 * shared object, overwritten by the next call: a text costs no allocation.
 */
export function splitPieces(text: string, encoding: SplitEncoding): Pieces {
  const n = text.length;
  if (pieces.ends.length < n) {
    pieces.ends = new Int32Array(Math.max(n, pieces.ends.length * 2));
    pieces.hashes = new Int32Array(pieces.ends.length);
  }
  const u = (pieces.units = textUnits.load(text));
  const { ends, hashes } = pieces;
  const t = classTable();
  const end = encoding === 'o200k_base' ? o200kPieceEnd : cl100kPieceEnd;
  let count = 0;
  for (let i = 0; i < n; count++) {
    i = ends[count] = end(u, t, i, n);
    hashes[count] = pieceHash[0]!;
  }
  pieces.count = count;
  return pieces;
}

/** The hash (`hashUnits`) of the piece `pieceEnd` found last. */
export const pieceHash = new Int32Array(1);

/**
 * The end of the pre-token starting at `i` of the code units `u` (a text of length `n` followed
 * by a NUL, as `CodeUnits.load` leaves it; `t` is `classTable()`), exactly where the encoding's
 * split regex would end it; its hash goes to `pieceHash`.
 */
export function pieceEnd(u: Uint16Array, t: Uint8Array, i: number, n: number, o200kSplit: boolean): number {
  return o200kSplit ? o200kPieceEnd(u, t, i, n) : cl100kPieceEnd(u, t, i, n);
}

// The two below are `pieceEnd` for one encoding each. Most pieces are a word after an optional
// space or punctuation mark: these take a short path, hashed as they are read. Any other piece,
// or a word that might go on in a way the short path does not follow (a mark first, an astral
// letter, a contraction), starts again on the general path. Each is small enough for V8 to
// inline into a caller's loop (one function for both was not: a call a piece cost a fifth of
// the split). The NUL after the text ends every run without a bounds check: it is punctuation
// to the patterns, so it never continues a word and is no letter for a prefix to come before.

/** `pieceEnd` for o200k_base. */
export function o200kPieceEnd(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  let h = HASH_SEED;
  let j = i;
  let unit = u[j]!;
  let c = t[unit]!;
  // A mark at the start may be read as the prefix or as part of the word.
  if (c === MARK) return general(u, t, i, n, true);
  // `[^\r\n\p{L}\p{N}]?` before a word.
  if ((c === SPACE || c === OTHER) && within(LETTERS, t[u[j + 1]!]!)) {
    h = Math.imul(h ^ unit, HASH_PRIME);
    c = t[(unit = u[++j]!)]!;
  }
  const word = j;
  // `[upper]*[lower]+` else `[upper]+[lower]*`, where upper is Lu Lt Lm Lo M and lower is Ll Lm
  // Lo M. The upper run first, noting where its last character that is also lower ends.
  let lowerEnd = -1;
  while (within(UPPER_SET, c)) {
    h = Math.imul(h ^ unit, HASH_PRIME);
    if (c !== UPPER) lowerEnd = j + 1;
    c = t[(unit = u[++j]!)]!;
  }
  if (c === LOWER) {
    do {
      h = Math.imul(h ^ unit, HASH_PRIME);
      c = t[(unit = u[++j]!)]!;
    } while (within(LOWER_SET, c));
  } else if (j === word || (lowerEnd !== -1 && lowerEnd !== j)) {
    // No word here, or the regex would give back trailing capitals.
    return general(u, t, i, n, true);
  }
  // A surrogate pair may continue the word; an apostrophe may add a contraction.
  if (c === HIGH || unit === 39) return general(u, t, i, n, true);
  pieceHash[0] = h;
  return j;
}

/** `pieceEnd` for cl100k_base. */
export function cl100kPieceEnd(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  let h = HASH_SEED;
  let j = i;
  let unit = u[j]!;
  // An apostrophe is read first as a contraction.
  if (unit === 39) return general(u, t, i, n, false);
  let c = t[unit]!;
  // `[^\r\n\p{L}\p{N}]?` before a word.
  if (within(PREFIX, c) && within(LETTERS, t[u[j + 1]!]!)) {
    h = Math.imul(h ^ unit, HASH_PRIME);
    c = t[(unit = u[++j]!)]!;
  }
  const word = j;
  while (within(LETTERS, c)) {
    h = Math.imul(h ^ unit, HASH_PRIME);
    c = t[(unit = u[++j]!)]!;
  }
  // No word here, or a surrogate pair may continue it.
  if (j === word || c === HIGH) return general(u, t, i, n, false);
  pieceHash[0] = h;
  return j;
}

function general(u: Uint16Array, t: Uint8Array, i: number, n: number, o200kSplit: boolean): number {
  const end = o200kSplit ? o200k(u, t, i, n) : cl100k(u, t, i, n);
  pieceHash[0] = hashUnits(u, i, end);
  return end;
}

/** Calls `onPiece(start, end)` for each pre-token of `text`, exactly as the encoding's split regex would. */
export function pretokenize(text: string, encoding: SplitEncoding, onPiece: (start: number, end: number) => void): void {
  const { ends, count } = splitPieces(text, encoding);
  for (let p = 0, start = 0; p < count; start = ends[p++]!) onPiece(start, ends[p]!);
}

// The general path: every helper takes the code units `u`, the class table `t`, a position
// `i` at a code point's start, and the text's length `n`.

/** Whether class `c` is in `set`. */
function within(set: number, c: number): boolean {
  return ((set >>> c) & 1) === 1;
}

/** The class of the code point at `i` (END past the text). */
function classAt(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  if (i >= n) return END;
  const c = t[u[i]!]!;
  return c === HIGH ? pairClass(u, i, n) : c;
}

/** The class of the code point whose high half is at `i`: OTHER when no low half follows. */
function pairClass(u: Uint16Array, i: number, n: number): number {
  const low = i + 1 < n ? u[i + 1]! : 0;
  if (low < 0xdc00 || low > 0xdfff) return OTHER;
  const cp = ((u[i]! - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  let kind = astral.get(cp);
  if (kind === undefined) {
    kind = classify(String.fromCodePoint(cp));
    if (astral.size < 10_000) astral.set(cp, kind);
  }
  return kind;
}

/** Steps over the code point at `i`: two code units for a surrogate pair. */
function step(u: Uint16Array, i: number, n: number): number {
  const c = u[i]!;
  if (c < 0xd800 || c > 0xdbff || i + 1 >= n) return i + 1;
  const low = u[i + 1]!;
  return low >= 0xdc00 && low <= 0xdfff ? i + 2 : i + 1;
}

/** End of the run of code points from `i` whose class is in `set`. */
function run(u: Uint16Array, t: Uint8Array, i: number, n: number, set: number): number {
  while (i < n) {
    const c = t[u[i]!]!;
    if (((set >>> c) & 1) === 1) i++;
    else if (c === HIGH && within(set, pairClass(u, i, n))) i = step(u, i, n);
    else break;
  }
  return i;
}

/** Length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d` (any case) at `i`, or 0. */
function contraction(u: Uint16Array, i: number, n: number): number {
  if (i + 1 >= n || u[i] !== 39) return 0;
  const a = u[i + 1]! | 32;
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  if (i + 2 >= n) return 0;
  const b = u[i + 2]! | 32;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3; // ll ve re
  return 0;
}

/** `[^\r\n\p{L}\p{N}]?[upper]*[lower]+'x?` then `[^\r\n\p{L}\p{N}]?[upper]+[lower]*'x?`, or -1. */
function o200kWord(u: Uint16Array, t: Uint8Array, i: number, n: number, c: number): number {
  // The regex tries the optional prefix taken first, then not taken, for each alternative.
  const prefixed = within(PREFIX, c) ? step(u, i, n) : -1;
  let end = prefixed === -1 ? -1 : upperLower(u, t, prefixed, n);
  if (end === -1) end = upperLower(u, t, i, n);
  if (end === -1 && prefixed !== -1) end = upperThenLower(u, t, prefixed, n);
  if (end === -1) end = upperThenLower(u, t, i, n);
  return end === -1 ? -1 : end + contraction(u, end, n);
}

/** `[upper]*[lower]+` from `s`, greedy with backtracking: the longest upper run that leaves a lower. */
function upperLower(u: Uint16Array, t: Uint8Array, s: number, n: number): number {
  const upperEnd = run(u, t, s, n, UPPER_SET);
  // The common case: the upper run (often empty) stops at a lower-case letter.
  if (classAt(u, t, upperEnd, n) === LOWER) return run(u, t, upperEnd, n, LOWER_SET);
  for (let cut = upperEnd; cut > s; ) {
    cut = back(u, cut, s);
    if (within(LOWER_SET, classAt(u, t, cut, n))) return run(u, t, cut, n, LOWER_SET);
  }
  return -1;
}

/** `[upper]+[lower]*` from `s`, or -1. */
function upperThenLower(u: Uint16Array, t: Uint8Array, s: number, n: number): number {
  const upperEnd = run(u, t, s, n, UPPER_SET);
  return upperEnd > s ? run(u, t, upperEnd, n, LOWER_SET) : -1;
}

/** The start of the code point before `i` (not before `floor`). */
function back(u: Uint16Array, i: number, floor: number): number {
  if (i - 1 > floor) {
    const low = u[i - 1]!;
    const high = u[i - 2]!;
    if (low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff) return i - 2;
  }
  return i - 1;
}

function o200k(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  const c = classAt(u, t, i, n);
  if (c !== NUMBER && c !== NEWLINE) {
    const word = o200kWord(u, t, i, n, c);
    if (word !== -1) return word;
  }
  if (c === NUMBER) return digits(u, t, i, n);
  const punct = punctuation(u, t, i, n, c, true);
  if (punct !== -1) return punct;
  return spaces(u, t, i, n, false);
}

function cl100k(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  const contracted = contraction(u, i, n);
  if (contracted) return i + contracted;
  const c = classAt(u, t, i, n);
  if (within(LETTERS, c)) return run(u, t, i, n, LETTERS);
  if (within(PREFIX, c)) {
    const next = step(u, i, n);
    if (within(LETTERS, classAt(u, t, next, n))) return run(u, t, next, n, LETTERS);
  }
  if (c === NUMBER) return digits(u, t, i, n);
  const punct = punctuation(u, t, i, n, c, false);
  if (punct !== -1) return punct;
  return spaces(u, t, i, n, true);
}

/** `\p{N}{1,3}`: up to three code points. */
function digits(u: Uint16Array, t: Uint8Array, i: number, n: number): number {
  let end = i;
  for (let count = 0; count < 3 && classAt(u, t, end, n) === NUMBER; count++) end = step(u, end, n);
  return end;
}

/** ` ?[^\s\p{L}\p{N}]+` then `[\r\n/]*` (o200k) or `[\r\n]*` (cl100k), or -1. */
function punctuation(u: Uint16Array, t: Uint8Array, i: number, n: number, c: number, slash: boolean): number {
  let s = i;
  if (u[i] === 32) {
    if (!within(PUNCT, classAt(u, t, i + 1, n))) return -1;
    s = i + 1;
  } else if (!within(PUNCT, c)) return -1;
  let end = run(u, t, s, n, PUNCT);
  while (end < n && (u[end] === 10 || u[end] === 13 || (slash && u[end] === 47))) end++;
  return end;
}

/** End of the whitespace piece at `i` (the patterns' last alternatives). */
function spaces(u: Uint16Array, t: Uint8Array, i: number, n: number, endAnchor: boolean): number {
  const w = run(u, t, i, n, SPACES);
  if (endAnchor && w === n) return n; // \s+$ (cl100k)
  for (let j = w - 1; j >= i; j--) if (u[j] === 10 || u[j] === 13) return j + 1; // \s*[\r\n]+ or \s*[\r\n]
  if (w === n) return n; // \s+(?!\S) at the end
  // \s+(?!\S): all but the last space before a non-space (spaces are single code units);
  // a single space is \s on its own.
  return w - 1 > i ? w - 1 : i + 1;
}
