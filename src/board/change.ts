import { piecesLength, slicePieces } from './pieces.ts';
import type { Pieces } from './pieces.ts';
import type { Rope } from './rope.ts';
import type { Utf8Offsets } from './utf8-offsets.ts';

/**
 * Where a text changed: only its first `prefix` and last `suffix` characters are known to be
 * unchanged, and, when `hunks` are known, the text between them too (only moved).
 */
export interface Change {
  prefix: number;
  suffix: number;
  /** The stretches that changed, in order, the first at `prefix`, the last ending `suffix` from the end. */
  hunks?: readonly Hunk[];
}

/** One changed stretch: the earlier text's `[start, end)` became `length` characters. */
export interface Hunk {
  start: number;
  end: number;
  length: number;
}

/** The hunks of a change from a text of `beforeLength` to one of `length` characters: one when only its ends are known. */
export function hunksOf(change: Change, beforeLength: number, length: number): readonly Hunk[] {
  if (change.hunks && change.hunks.length > 0) return change.hunks;
  const { prefix, suffix } = change;
  return [{ start: prefix, end: beforeLength - suffix, length: length - suffix - prefix }];
}

/** The change from `before` to `text`, both read in place (a chunk at a time, see `Rope`). */
export function changeOf(before: Rope, text: Rope): Change {
  const prefix = commonPrefix(before, text);
  return { prefix, suffix: commonSuffix(before, text, prefix) };
}

/** Length of the common start of two texts, compared a chunk at a time (native string equality). */
function commonPrefix(a: Rope, b: Rope): number {
  const max = Math.min(a.length, b.length);
  let at = 0;
  let step = 1 << 16;
  while (at < max) {
    const length = Math.min(step, max - at);
    if (a.slice(at, at + length) === b.slice(at, at + length)) {
      at += length;
    } else if (length <= 32) {
      while (a.charCodeAt(at) === b.charCodeAt(at)) at++;
      return at;
    } else {
      step = length >> 1; // the difference is in this chunk: try its first half
    }
  }
  return at;
}

/** Length of the common end of two texts that does not overlap their common start. */
function commonSuffix(a: Rope, b: Rope, prefix: number): number {
  const max = Math.min(a.length, b.length) - prefix;
  let at = 0;
  let step = 1 << 16;
  while (at < max) {
    const length = Math.min(step, max - at);
    if (a.slice(a.length - at - length, a.length - at) === b.slice(b.length - at - length, b.length - at)) {
      at += length;
    } else if (length <= 32) {
      while (at < max && a.charCodeAt(a.length - at - 1) === b.charCodeAt(b.length - at - 1)) at++;
      return at;
    } else {
      step = length >> 1;
    }
  }
  return at;
}

/**
 * The UTF-8 bytes of `after`, a change of the text `before` holds the byte offsets of, whose
 * bytes are `beforeBytes`: the unchanged stretches are views into those bytes, only the hunks
 * are encoded. A megabyte board is encoded in a fraction of the time; a surrogate pair is never
 * cut in two. `known` is the change when the caller knows it (else the texts are compared).
 */
export function encodeChange(before: Utf8Offsets, beforeBytes: Pieces, after: Rope, known: Change | null = null): Pieces {
  const pieces: Uint8Array[] = [];
  let from = 0;
  let shift = 0;
  const change = known ?? changeOf(before.rope, after);
  for (const hunk of wholeCharacters(hunksOf(change, before.rope.length, after.length), before.rope)) {
    const start = before.at(hunk.start);
    pieces.push(...slicePieces(beforeBytes, from, start));
    const at = hunk.start + shift;
    if (hunk.length > 0) pieces.push(Buffer.from(after.slice(at, at + hunk.length), 'utf8'));
    from = before.at(hunk.end);
    shift += hunk.length - (hunk.end - hunk.start);
  }
  pieces.push(...slicePieces(beforeBytes, from, piecesLength(beforeBytes)));
  // Each change of a change adds a piece or two: joined now and then, so they stay few.
  return pieces.length > MAX_PIECES ? [Buffer.concat(pieces)] : pieces;
}

/**
 * Hunks widened so that none cuts a surrogate pair. Hunks that meet are joined first: then the
 * characters just outside each are the same in both texts, and taking one in keeps it so.
 */
function wholeCharacters(hunks: readonly Hunk[], before: Rope): Hunk[] {
  const whole: Hunk[] = [];
  for (const { start, end, length } of hunks) {
    const last = whole.at(-1);
    if (last && start <= last.end) {
      last.length += start - last.end + length;
      last.end = end;
    } else {
      whole.push({ start, end, length });
    }
  }
  for (const hunk of whole) {
    if (hunk.start > 0 && isHighSurrogate(before.charCodeAt(hunk.start - 1))) (hunk.start--, hunk.length++);
    if (hunk.end < before.length && isLowSurrogate(before.charCodeAt(hunk.end))) (hunk.end++, hunk.length++);
  }
  return whole;
}

const MAX_PIECES = 16;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
