/**
 * Hand-written pre-tokenizers equal to gpt-tokenizer's split regexes for o200k_base and
 * cl100k_base, on character classes looked up in a table instead of Unicode property escapes:
 * the regexes run at about 10 MB/s and were most of an audit's time.
 */

// Character classes, as the split patterns see them.
const UPPER = 1; // Lu, Lt: only in the "upper" letter set
const LOWER = 2; // Ll: only in the "lower" set
const BOTH = 3; // Lm, Lo: letters in both sets
const MARK = 4; // M: in both sets, but not a letter
const NUMBER = 5; // N
const SPACE = 6; // \s other than CR and LF
const NEWLINE = 7; // \r, \n
const OTHER = 8; // everything else (punctuation, symbols, lone surrogates)
const END = 9; // after the last code unit, so a pair check never reads past the text

const PATTERNS: Array<[number, RegExp]> = [
  [UPPER, /[\p{Lu}\p{Lt}]/u],
  [LOWER, /\p{Ll}/u],
  [BOTH, /[\p{Lm}\p{Lo}]/u],
  [MARK, /\p{M}/u],
  [NUMBER, /\p{N}/u],
  [SPACE, /\s/u],
];

let bmp: Uint8Array | null = null;
const astral = new Map<number, number>();

function classify(char: string): number {
  if (char === '\r' || char === '\n') return NEWLINE;
  for (const [kind, pattern] of PATTERNS) if (pattern.test(char)) return kind;
  return OTHER;
}

/** The class of every BMP code unit, computed once (about 30 ms). */
function table(): Uint8Array {
  if (bmp) return bmp;
  bmp = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) bmp[c] = c >= 0xd800 && c <= 0xdfff ? OTHER : classify(String.fromCharCode(c));
  return bmp;
}

let words: Uint8Array | null = null;

/** 1 for every BMP code unit that is a letter or a number (`[\p{L}\p{N}]`), else 0. */
export function wordCharTable(): Uint8Array {
  if (words) return words;
  const t = table();
  words = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) words[c] = t[c] === UPPER || t[c] === LOWER || t[c] === BOTH || t[c] === NUMBER ? 1 : 0;
  return words;
}

/** Code points and their classes for a text: one entry per code unit, 0 on the low half of a pair. */
function classesOf(text: string, out: Uint8Array): void {
  const t = table();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) {
      out[i] = t[c]!;
      continue;
    }
    const low = text.charCodeAt(i + 1);
    if (low < 0xdc00 || low > 0xdfff) {
      out[i] = OTHER;
      continue;
    }
    const cp = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
    let kind = astral.get(cp);
    if (kind === undefined) {
      kind = classify(String.fromCodePoint(cp));
      if (astral.size < 10_000) astral.set(cp, kind);
    }
    out[i] = kind;
    out[++i] = 0;
  }
}

/** The encodings whose split patterns this module reproduces. */
export type SplitEncoding = 'o200k_base' | 'cl100k_base';

let scratch = new Uint8Array(4096);

/** Calls `onPiece(start, end)` for each pre-token of `text`, exactly as the encoding's split regex would. */
export function pretokenize(text: string, encoding: SplitEncoding, onPiece: (start: number, end: number) => void): void {
  const n = text.length;
  if (scratch.length < n + 1) scratch = new Uint8Array(Math.max(n + 1, scratch.length * 2));
  const k = scratch;
  classesOf(text, k);
  k[n] = END;
  const next = encoding === 'o200k_base' ? o200k : cl100k;
  for (let i = 0; i < n; ) {
    const end = next(text, k, i, n);
    onPiece(i, end);
    i = end;
  }
}

/** Steps over one code point: two code units for a surrogate pair (whose low half is marked 0). */
function step(k: Uint8Array, i: number): number {
  return k[i + 1] === 0 ? i + 2 : i + 1;
}

const isUpperSet = (c: number) => c === UPPER || c === BOTH || c === MARK;
const isLowerSet = (c: number) => c === LOWER || c === BOTH || c === MARK;
const isLetter = (c: number) => c === UPPER || c === LOWER || c === BOTH;
/** `[^\r\n\p{L}\p{N}]`: the optional character before a word. */
const isPrefix = (c: number) => c === SPACE || c === OTHER || c === MARK;
/** `[^\s\p{L}\p{N}]`: punctuation and symbols (marks included). */
const isPunct = (c: number) => c === OTHER || c === MARK;
const isSpace = (c: number) => c === SPACE || c === NEWLINE;

/** Length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d` (any case) at `i`, or 0. */
function contraction(text: string, i: number, n: number): number {
  if (text.charCodeAt(i) !== 39 || i + 1 >= n) return 0;
  const a = text.charCodeAt(i + 1) | 32;
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  if (i + 2 >= n) return 0;
  const b = text.charCodeAt(i + 2) | 32;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3; // ll ve re
  return 0;
}

/** End of the run of code points from `i` whose class passes `test`. */
function run(k: Uint8Array, i: number, n: number, test: (c: number) => boolean): number {
  while (i < n && test(k[i]!)) i = step(k, i);
  return i;
}

/** End of the whitespace piece at `i` (the patterns' last alternatives), given where the run ends. */
function spaces(k: Uint8Array, i: number, n: number, endAnchor: boolean): number {
  const w = run(k, i, n, isSpace);
  if (endAnchor && w === n) return n; // \s+$ (cl100k)
  let lastNewline = -1;
  for (let j = i; j < w; j++) if (k[j] === NEWLINE) lastNewline = j;
  if (lastNewline !== -1) return lastNewline + 1; // \s*[\r\n]+ or \s*[\r\n]
  if (w === n) return n; // \s+(?!\S) at the end
  // \s+(?!\S): all but the last space before a non-space; a single space is \s on its own.
  let last = i;
  for (let j = i; j < w; j = step(k, j)) last = j;
  return last > i ? last : step(k, i);
}

/** `[^\r\n\p{L}\p{N}]?[upper]*[lower]+'x?` then `[^\r\n\p{L}\p{N}]?[upper]+[lower]*'x?`, or -1. */
function o200kWord(text: string, k: Uint8Array, i: number, n: number): number {
  // The regex tries the optional prefix taken first, then not taken, for each alternative.
  const prefixed = isPrefix(k[i]!) ? step(k, i) : -1;
  let end = prefixed === -1 ? -1 : upperLower(k, prefixed, n);
  if (end === -1) end = upperLower(k, i, n);
  if (end === -1 && prefixed !== -1) end = upperThenLower(k, prefixed, n);
  if (end === -1) end = upperThenLower(k, i, n);
  return end === -1 ? -1 : end + contraction(text, end, n);
}

/** `[upper]*[lower]+` from `s`, greedy with backtracking: the longest upper run that leaves a lower. */
function upperLower(k: Uint8Array, s: number, n: number): number {
  const upperEnd = run(k, s, n, isUpperSet);
  for (let cut = upperEnd; cut >= s; cut = back(k, cut, s)) {
    if (cut < n && isLowerSet(k[cut]!)) return run(k, cut, n, isLowerSet);
    if (cut === s) break;
  }
  return -1;
}

/** `[upper]+[lower]*` from `s`, or -1. */
function upperThenLower(k: Uint8Array, s: number, n: number): number {
  const upperEnd = run(k, s, n, isUpperSet);
  return upperEnd > s ? run(k, upperEnd, n, isLowerSet) : -1;
}

/** The start of the code point before `i` (not before `floor`). */
function back(k: Uint8Array, i: number, floor: number): number {
  return i - 1 > floor && k[i - 1] === 0 ? i - 2 : i - 1;
}

function o200k(text: string, k: Uint8Array, i: number, n: number): number {
  const c = k[i]!;
  if (c !== NUMBER && c !== NEWLINE) {
    const word = o200kWord(text, k, i, n);
    if (word !== -1) return word;
  }
  if (c === NUMBER) return digits(k, i, n);
  const punct = punctuation(text, k, i, n, true);
  if (punct !== -1) return punct;
  return spaces(k, i, n, false);
}

function cl100k(text: string, k: Uint8Array, i: number, n: number): number {
  const contracted = contraction(text, i, n);
  if (contracted) return i + contracted;
  const c = k[i]!;
  if (isLetter(c)) return run(k, i, n, isLetter);
  if (isPrefix(c) && i + 1 < n && isLetter(k[step(k, i)]!)) return run(k, step(k, i), n, isLetter);
  if (c === NUMBER) return digits(k, i, n);
  const punct = punctuation(text, k, i, n, false);
  if (punct !== -1) return punct;
  return spaces(k, i, n, true);
}

function digits(k: Uint8Array, i: number, n: number): number {
  let end = i;
  for (let count = 0; count < 3 && end < n && k[end] === NUMBER; count++) end = step(k, end);
  return end;
}

/** ` ?[^\s\p{L}\p{N}]+` then `[\r\n/]*` (o200k) or `[\r\n]*` (cl100k), or -1. */
function punctuation(text: string, k: Uint8Array, i: number, n: number, slash: boolean): number {
  let s = i;
  if (text.charCodeAt(i) === 32 && i + 1 < n && isPunct(k[i + 1]!)) s = i + 1;
  if (!isPunct(k[s]!)) return -1;
  let end = run(k, s, n, isPunct);
  while (end < n && (k[end] === NEWLINE || (slash && text.charCodeAt(end) === 47))) end++;
  return end;
}
