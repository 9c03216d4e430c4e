import type { Rope } from './rope.ts';
import type { Board, Column, OtherSection, Region } from './types.ts';

/** What a board is made of before its regions are asked for. */
export type BoardParts = Omit<Board, 'regions'>;

/**
 * A board whose `regions` are worked out on first use, from its columns and cards (they hold
 * every offset needed): only serializing and a few edits read them, and making two objects a
 * card on every parse, and moving them on every incremental one, was a good part of both.
 * `frontEnd` is where the front matter ends (0 when there is none); `rope` is the text.
 */
export function boardWithRegions(parts: BoardParts, frontEnd: number, rope: Rope): Board {
  return new ParsedBoard(parts, frontEnd, rope.charCodeAt(0) === 0xfeff);
}

/**
 * A board as the parser makes it. `regions` is a getter of the class, not of each board: V8
 * keeps an object's own getter in its hidden class, outside the young generation, and every
 * board (its cards, their copies) then outlived the first collections it met as garbage.
 */
class ParsedBoard implements Board {
  readonly text: string;
  readonly eol: '\n' | '\r\n';
  readonly obsidian: boolean;
  readonly columns: Column[];
  readonly cards: Board['cards'];
  readonly others: OtherSection[];
  readonly lastSynced: Board['lastSynced'];
  readonly #frontEnd: number;
  readonly #bom: boolean;
  #regions: Region[] | undefined;

  constructor(parts: BoardParts, frontEnd: number, bom: boolean) {
    this.text = parts.text;
    this.eol = parts.eol;
    this.obsidian = parts.obsidian;
    this.columns = parts.columns;
    this.cards = parts.cards;
    this.others = parts.others;
    this.lastSynced = parts.lastSynced;
    this.#frontEnd = frontEnd;
    this.#bom = bom;
  }

  get regions(): Region[] {
    return (this.#regions ??= regionsOf(this.text.length, this.#bom, this.#frontEnd, this.columns));
  }

  /** Every field, regions too, as a plain object (what `JSON.stringify` writes). */
  toJSON(): Board {
    const { text, eol, obsidian, columns, cards, others, lastSynced, regions } = this;
    return { text, eol, obsidian, columns, cards, others, lastSynced, regions };
  }
}

/**
 * The regions of a text `length` long (opening with a byte order mark if `bom`): the front
 * matter, each column's heading line and each card, and what lies between them, verbatim. They
 * partition the text in order.
 */
function regionsOf(length: number, bom: boolean, frontEnd: number, columns: readonly Column[]): Region[] {
  const regions: Region[] = frontEnd > 0 ? [{ kind: 'front-matter', span: { start: 0, end: frontEnd } }] : [];
  let at = frontEnd;
  const piece = (kind: Region['kind'], start: number, end: number): void => {
    if (start > at) regions.push({ kind: 'verbatim', span: { start: at, end: start } });
    regions.push({ kind, span: { start, end } });
    at = end;
  };
  for (const column of columns) {
    // A heading on the first line starts after a byte order mark; its line (the region) does not.
    const start = column.span.start === 1 && bom ? 0 : column.span.start;
    piece('heading', start, column.bodyStart);
    for (const card of column.cards) piece('card', card.span.start, card.span.end);
  }
  if (length > at) regions.push({ kind: 'verbatim', span: { start: at, end: length } });
  return regions;
}
