import { isHighSurrogate, lastAtOrBefore } from './lines.ts';
import type { Patch } from './patch.ts';

/** Pieces a rope keeps at most: past this they are joined into one string (once in many edits). */
const MAX_PIECES = 64;

/**
 * A text kept as the strings it was made of, each read in place. V8 joins long strings lazily
 * (`a + b` makes a pair), and reading one character of the pair copies the whole into a new
 * string: for a megabyte board edited at two places, 2 MB and more than a millisecond an edit,
 * and most of the collector's work. The board engine reads an edited text through its pieces (a
 * card's lines, the lines around an edit); the joined `text` is made for whoever asks for
 * `Board.text`, and copied only when they read it.
 */
export class Rope {
  readonly length: number;
  readonly #pieces: readonly string[];
  /** Where each piece starts. */
  readonly #starts: readonly number[];
  #text: string | undefined;

  private constructor(pieces: readonly string[], text?: string) {
    const starts: number[] = [];
    let length = 0;
    for (const piece of pieces) {
      starts.push(length);
      length += piece.length;
    }
    this.#pieces = pieces;
    this.#starts = starts;
    this.length = length;
    this.#text = text;
  }

  /** A rope of one string. */
  static of(text: string): Rope {
    return new Rope([text], text);
  }

  /** The whole text, its pieces joined as V8 joins strings: nothing is copied until it is read. */
  get text(): string {
    if (this.#text === undefined) {
      let text = '';
      for (const piece of this.#pieces) text += piece;
      this.#text = text;
    }
    return this.#text;
  }

  /** The UTF-16 code unit at `offset`, NaN outside the text. */
  charCodeAt(offset: number): number {
    if (offset < 0 || offset >= this.length) return NaN;
    const n = lastAtOrBefore(this.#starts, offset);
    return this.#pieces[n]!.charCodeAt(offset - this.#starts[n]!);
  }

  /** `text.slice(start, end)` (`start` not negative), read from the pieces (a view into one when it holds it all). */
  slice(start: number, end: number): string {
    // One piece (every text not edited by us): the string's own slice, as cards read their fields.
    if (this.#pieces.length === 1) return this.#pieces[0]!.slice(start, end);
    start = Math.max(0, Math.min(start, this.length));
    end = Math.max(start, Math.min(end, this.length));
    let n = lastAtOrBefore(this.#starts, start);
    const from = this.#starts[n]!;
    if (end <= from + this.#pieces[n]!.length) return this.#pieces[n]!.slice(start - from, end - from);
    let out = '';
    for (; n < this.#pieces.length && this.#starts[n]! < end; n++) {
      const at = this.#starts[n]!;
      out += this.#pieces[n]!.slice(Math.max(start - at, 0), end - at);
    }
    return out;
  }

  /** `Buffer.byteLength` of `slice(start, end)`, counted piece by piece: nothing joined, nothing copied. */
  utf8Length(start: number, end: number): number {
    if (this.#pieces.length === 1) return Buffer.byteLength(this.#pieces[0]!.slice(start, end));
    let bytes = 0;
    for (let n = lastAtOrBefore(this.#starts, start); n < this.#pieces.length && this.#starts[n]! < end; n++) {
      const at = this.#starts[n]!;
      const piece = this.#pieces[n]!;
      const to = Math.min(end - at, piece.length);
      bytes += Buffer.byteLength(piece.slice(Math.max(start - at, 0), to));
      // A surrogate pair across two pieces is 4 bytes, not the 3 + 3 of its halves counted apart.
      if (to === piece.length && at + to < end && isHighSurrogate(piece.charCodeAt(to - 1)) && isLowSurrogate(this.#pieces[n + 1]!.charCodeAt(0))) bytes -= 2;
    }
    return bytes;
  }

  /** The offset after the first line break at or after `offset`, else the length. */
  lineEnd(offset: number): number {
    for (let n = lastAtOrBefore(this.#starts, Math.min(offset, this.length)); n < this.#pieces.length; n++) {
      const at = this.#starts[n]!;
      const nl = this.#pieces[n]!.indexOf('\n', Math.max(offset - at, 0));
      if (nl !== -1) return at + nl + 1;
    }
    return this.length;
  }

  /** This text with non-overlapping `patches` applied: views into its pieces, and the inserts. */
  patched(patches: readonly Patch[]): Rope {
    const pieces: string[] = [];
    let at = 0;
    const keep = (start: number, end: number): void => {
      for (let n = lastAtOrBefore(this.#starts, start); n < this.#pieces.length && this.#starts[n]! < end; n++) {
        const from = this.#starts[n]!;
        const piece = this.#pieces[n]!;
        const part = start <= from && end >= from + piece.length ? piece : piece.slice(Math.max(start - from, 0), end - from);
        if (part.length > 0) pieces.push(part);
      }
    };
    for (const patch of [...patches].sort((a, b) => a.start - b.start)) {
      if (patch.start < at) throw new Error(`overlapping patches at offset ${patch.start}`);
      keep(at, patch.start);
      if (patch.insert.length > 0) pieces.push(patch.insert);
      at = patch.end;
    }
    keep(at, this.length);
    if (pieces.length === 0) return Rope.of('');
    // Joined into one string now and then: each edit adds a piece or two.
    return pieces.length > MAX_PIECES ? Rope.of(pieces.join('')) : new Rope(pieces);
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
