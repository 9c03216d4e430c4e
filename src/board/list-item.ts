import { indentWidth, indentWidthAt } from './lines.ts';

/** The parts of a list item's first line, as offsets into the line's content. */
export interface ListItem {
  indent: number;
  /** `-`, `*`, `+`, or an ordinal like `3.` / `3)`. */
  marker: string;
  markerStart: number;
  /** Offset of the `x` or space inside `[ ]`, when the item is a checkbox. */
  checkboxAt: number | null;
  checked: boolean | null;
  /** Where the item's own text starts (after marker and checkbox). */
  textStart: number;
}

/**
 * Reads a Markdown list item line (bullets, ordinals, `- [ ]` checkboxes), or null. What
 * `^([ \t]*)([-*+]|\d{1,9}[.)])(?:([ \t]+)(?:(\[)([ xX])\](?:[ \t]+|$))?|$)` matches, unless
 * the line is a thematic break (`* * *`), read character by character: the parse calls this
 * for every card.
 */
export function matchListItem(content: string): ListItem | null {
  return matchListItemAt(content, 0, content.length);
}

/** `matchListItem` of the line `text[start, end)`, without slicing it; offsets are relative to `start`. */
export function matchListItemAt(text: string, start: number, end: number): ListItem | null {
  const found = listItemTextAt(text, start, end);
  if (found === -1) return null;
  const markerStart = skipBlanks(text, start, end);
  let markerEnd = markerStart;
  // An ordinal's digits and its `.` or `)`, else the one bullet character.
  while (isDigit(text.charCodeAt(markerEnd))) markerEnd++;
  markerEnd++;
  const box = found & 3;
  const checkboxAt = box === 0 ? null : skipBlanks(text, markerEnd, end) + 1 - start;
  return {
    indent: indentWidthAt(text, start, markerStart),
    marker: text.slice(markerStart, markerEnd),
    markerStart: markerStart - start,
    checkboxAt,
    checked: box === 0 ? null : box === 2,
    textStart: found >> 2,
  };
}

/**
 * What `matchListItemAt` reads, as one number and no object (the scan asks it of every card's
 * first line): -1 when `text[start, end)` is no list item, else `textStart * 4 + box`, where
 * `textStart` is relative to `start` and `box` is 0 without a checkbox, 1 open, 2 done.
 */
export function listItemTextAt(text: string, start: number, end: number): number {
  let at = skipBlanks(text, start, end);
  const markerStart = at;
  const lead = text.charCodeAt(at);
  if (lead === 45 || lead === 42 || lead === 43) {
    at++;
  } else if (isDigit(lead)) {
    while (at < end && isDigit(text.charCodeAt(at))) at++;
    const after = text.charCodeAt(at);
    if (at - markerStart > 9 || at >= end || (after !== 46 && after !== 41)) return -1;
    at++;
  } else {
    return -1;
  }
  const markerEnd = at;
  at = skipBlanks(text, at, end);
  // A marker is followed by a space or tab, or ends the line.
  if (at === markerEnd && at !== end) return -1;
  if (lead !== 43 && markerEnd - markerStart === 1 && isThematicBreak(text, start, end)) return -1;
  let box = 0;
  let textStart = at;
  if (at > markerEnd && text.charCodeAt(at) === 91 && at + 2 < end && text.charCodeAt(at + 2) === 93) {
    const mark = text.charCodeAt(at + 1);
    const after = skipBlanks(text, at + 3, end);
    if ((mark === 32 || mark === 120 || mark === 88) && (after > at + 3 || after === end)) {
      box = mark === 32 ? 1 : 2;
      textStart = after;
    }
  }
  return (textStart - start) * 4 + box;
}

/** The first offset from `at` that is not a space or tab (or `end`). */
function skipBlanks(text: string, at: number, end: number): number {
  while (at < end && isBlank(text.charCodeAt(at))) at++;
  return at;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$`: three or more of one of `-*_`, spaces and tabs between. */
function isThematicBreak(text: string, start: number, end: number): boolean {
  let at = start;
  while (at < end && text.charCodeAt(at) === 32) at++;
  if (at - start > 3) return false;
  const mark = text.charCodeAt(at);
  if (mark !== 45 && mark !== 42 && mark !== 95) return false;
  let count = 0;
  for (; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === mark) count++;
    else if (!isBlank(c)) return false;
  }
  return count >= 3;
}

/** True when a line opens or closes a fenced code block; returns the fence (``` or ~~~…). */
export function matchFence(content: string): { indent: number; fence: string } | null {
  const m = /^([ \t]*)(`{3,}|~{3,})/.exec(content);
  return m ? { indent: indentWidth(m[1] ?? ''), fence: m[2] ?? '' } : null;
}

/** True when a line closes the fence `open`: the same character, at least as long, nothing after. */
export function closesFence(content: string, open: string): boolean {
  const close = matchFence(content);
  return close !== null && close.fence[0] === open[0] && close.fence.length >= open.length && content.trim() === close.fence;
}
