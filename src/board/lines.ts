/** One line of the file: `content` is `[start, contentEnd)`, the line break runs to `end`. */
export interface Line {
  /** 1-based line number. */
  number: number;
  start: number;
  contentEnd: number;
  end: number;
  byteStart: number;
  byteEnd: number;
  content: string;
}

/** Splits text into lines with string and byte offsets; a last line without a break is kept. */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let byteStart = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    const contentEnd = nl === -1 ? end : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const content = text.slice(start, contentEnd);
    // The line break is ASCII: one byte a character.
    const byteEnd = byteStart + Buffer.byteLength(content, 'utf8') + (end - contentEnd);
    lines.push({ number: lines.length + 1, start, contentEnd, end, byteStart, byteEnd, content });
    start = end;
    byteStart = byteEnd;
  }
  return lines;
}

/** UTF-8 byte length of `text[start, end)`, counted in place: no slice, no copy. */
export function utf8Length(text: string, start: number, end: number): number {
  let bytes = end - start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const SPACE = /\s/;

/** Offset in `text` of the first character of `text[start, end)` that is not whitespace (as `\s` reads it), or -1 on a blank line. */
export function firstNonBlankIn(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 128 || !SPACE.test(text[i]!)) return i;
  }
  return -1;
}

/** Width of leading whitespace, tabs to the next multiple of 4 as in CommonMark. */
export function indentWidth(content: string): number {
  return indentWidthAt(content, 0, content.length);
}

/** The indent width of the line `text[start, end)`, without slicing. */
export function indentWidthAt(text: string, start: number, end: number): number {
  let width = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) width++;
    else if (c === 9) width += 4 - (width % 4);
    else break;
  }
  return width;
}

/**
 * A copy of `part` (a slice of a board text) that does not keep the board text alive. V8
 * makes a slice of a long string a view into it: a field read once from a board and kept
 * (a card's title, owner, command) would keep every version of the board in memory. Copying
 * a short string costs far less than that. (The concatenation is flattened into a new string
 * when sliced; the slice is a view into that small string only.)
 */
export function detached(part: string): string {
  return part.length < 13 ? part : ` ${part}`.slice(1);
}

/** Index of the last of the ascending `offsets` at or before `offset` (the first is 0). */
export function lastAtOrBefore(offsets: readonly number[], offset: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! <= offset) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
