import type { Hunk } from './change.ts';
import { isHighSurrogate, lastAtOrBefore } from './lines.ts';
import type { Rope } from './rope.ts';

/** Characters between two marks at most (a little more where a mark would split a surrogate pair). */
const MARK_STEP = 1 << 14;

/**
 * A board's text as its cards read it (`rope`), and the UTF-8 byte offsets of UTF-16 offsets
 * into it, counted on demand: a parse need not count
 * a megabyte of text when no one asks for bytes. An offset near the one asked before is counted
 * from it (cards are mostly asked in order); one farther away from the nearest mark, once the
 * text is marked (every few thousand characters, on the first far ask). A changed text takes
 * the marks outside the change, moved: an edit's write finds where its hunks' bytes are without
 * counting the megabyte before them. Offsets asked for never split a surrogate pair.
 */
export class Utf8Offsets {
  #at = 0;
  #bytes = 0;
  /** Offsets from 0 to the text's end, at most about MARK_STEP apart, none inside a surrogate pair; empty until marked. */
  #chars: number[] = [];
  /** The byte offset of each mark. */
  #marks: number[] = [];

  constructor(readonly rope: Rope) {}

  /** The byte offset of `offset`. */
  at(offset: number): number {
    if (offset < this.#at || offset - this.#at > MARK_STEP) {
      if (this.#chars.length === 0) this.#markFrom(0, 0, this.rope.length);
      const mark = lastAtOrBefore(this.#chars, offset);
      // The last offset asked is nearer than the mark when it lies between them.
      if (this.#at > offset || this.#at < this.#chars[mark]!) {
        this.#at = this.#chars[mark]!;
        this.#bytes = this.#marks[mark]!;
      }
    }
    this.#bytes += this.rope.utf8Length(this.#at, offset);
    this.#at = offset;
    return this.#bytes;
  }

  /**
   * The offsets of `rope`, made from this text by `hunks` (in order, apart): the marks outside
   * them are kept, moved; the text from the last mark before a hunk to the first after it is
   * counted again. This text is marked first if it is not yet.
   */
  changed(rope: Rope, hunks: readonly Hunk[]): Utf8Offsets {
    if (this.#chars.length === 0) this.#markFrom(0, 0, this.rope.length);
    const next = new Utf8Offsets(rope);
    next.#chars.push(0);
    next.#marks.push(0);
    let hunk = 0;
    let chars = 0;
    let bytes = 0;
    let counted = true;
    for (let i = 1; i < this.#chars.length; i++) {
      const mark = this.#chars[i]!;
      for (; hunk < hunks.length && hunks[hunk]!.end < mark; hunk++) {
        chars += hunks[hunk]!.length - (hunks[hunk]!.end - hunks[hunk]!.start);
        counted = false;
      }
      // A mark at a hunk's edge or inside it is gone: the characters around it may have changed.
      if (hunk < hunks.length && mark >= hunks[hunk]!.start) continue;
      if (!counted) {
        bytes = next.#markFrom(next.#chars.at(-1)!, next.#marks.at(-1)!, mark + chars) - this.#marks[i]!;
        counted = true;
      } else {
        next.#chars.push(mark + chars);
        next.#marks.push(this.#marks[i]! + bytes);
      }
    }
    if (next.#chars.at(-1) !== rope.length) next.#markFrom(next.#chars.at(-1)!, next.#marks.at(-1)!, rope.length);
    return next;
  }

  /** Marks `[from, to)` (`from` is the last mark, at byte `bytes`), and `to`; returns the byte offset of `to`. */
  #markFrom(from: number, bytes: number, to: number): number {
    const rope = this.rope;
    if (this.#chars.length === 0) {
      this.#chars.push(0);
      this.#marks.push(0);
    }
    while (from < to) {
      let end = Math.min(from + MARK_STEP, to);
      if (end < to && isHighSurrogate(rope.charCodeAt(end - 1))) end++;
      bytes += rope.utf8Length(from, end);
      this.#chars.push(end);
      this.#marks.push(bytes);
      from = end;
    }
    return bytes;
  }
}
