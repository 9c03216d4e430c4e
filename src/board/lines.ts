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

/** True for an empty line or one of only spaces and tabs (and other whitespace). */
export function isBlank(content: string): boolean {
  return firstNonBlank(content) === -1;
}

const SPACE = /\s/;

/** Offset of the first character that is not whitespace (as `\s` reads it), or -1 on a blank line. */
export function firstNonBlank(content: string): number {
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 128 || !SPACE.test(content[i]!)) return i;
  }
  return -1;
}

/** The line ending most lines use; LF when there are none. */
export function dominantEol(text: string): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Width of leading whitespace, tabs to the next multiple of 4 as in CommonMark. */
export function indentWidth(content: string): number {
  let width = 0;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c === 32) width++;
    else if (c === 9) width += 4 - (width % 4);
    else break;
  }
  return width;
}
