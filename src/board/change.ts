import { piecesLength, slicePieces } from './pieces.ts';
import type { Pieces } from './pieces.ts';

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

/** The change from `before` to `text`. */
export function changeOf(before: string, text: string): Change {
  const prefix = commonPrefix(before, text);
  return { prefix, suffix: commonSuffix(before, text, prefix) };
}

/** Length of the common start of two texts, compared a chunk at a time (native string equality). */
function commonPrefix(a: string, b: string): number {
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
function commonSuffix(a: string, b: string, prefix: number): number {
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
 * The UTF-8 bytes of `text`, a change of `before` whose bytes are `beforeBytes`: the unchanged
 * start and end are views into those bytes, only the changed middle is encoded. A megabyte
 * board is encoded in a fraction of the time; a surrogate pair is never cut in two. `known` is
 * the change when the caller knows it (else the texts are compared to find it).
 */
export function encodeChange(before: string, beforeBytes: Pieces, text: string, known: Change | null = null): Pieces {
  let { prefix, suffix } = known ?? changeOf(before, text);
  if (prefix > 0 && isHighSurrogate(text.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(text.charCodeAt(text.length - suffix))) suffix--;
  // Only the shorter unchanged side is measured: the other is what the old bytes leave.
  const middle = Buffer.byteLength(before.slice(prefix, before.length - suffix));
  const shorter = Buffer.byteLength(prefix <= suffix ? before.slice(0, prefix) : before.slice(before.length - suffix));
  const length = piecesLength(beforeBytes);
  const head = prefix <= suffix ? shorter : length - middle - shorter;
  const tail = prefix <= suffix ? length - middle - shorter : shorter;
  const pieces = [...slicePieces(beforeBytes, 0, head), Buffer.from(text.slice(prefix, text.length - suffix), 'utf8'), ...slicePieces(beforeBytes, length - tail, length)];
  // Each change of a change adds a piece or two: joined now and then, so they stay few.
  return pieces.length > MAX_PIECES ? [Buffer.concat(pieces)] : pieces;
}

const MAX_PIECES = 16;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
