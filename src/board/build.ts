import { ParsedCard } from './card.ts';
import { boldTitleAt } from './card-fields.ts';
import { readHead } from './fields.ts';
import { deriveId } from './identity.ts';
import type { Utf8Offsets } from './lines.ts';
import type { Scan } from './scan.ts';
import type { Board, Column } from './types.ts';

/** A parsed board with what an incremental parse of its next version needs. */
export interface Parsed {
  board: Board;
  /** The cards of `board.cards`, as the parser made them. */
  cards: ParsedCard[];
  /** `deriveId` of each card's title, in `board.cards` order (ids are assigned board-wide); '' for a card with a marker. */
  derived: string[];
  /** Every card's id is its claim (marker, else `derived`): no id was repeated. */
  distinct: boolean;
  /** Line breaks in the text, for the dominant line ending. */
  crlf: number;
  lf: number;
  /** Where the front matter ends; 0 when there is none. */
  frontEnd: number;
}

/**
 * The cards of a scan, appended to their columns, and (in `derived`) the ids their titles give
 * them; ids are left empty, to be assigned board-wide. Only what identity needs is read here
 * (marker, title, checkbox); the other fields are read when asked for (see `ParsedCard`).
 */
export function readCards(text: string, scan: Scan, offsets: Utf8Offsets, derived: string[]): ParsedCard[] {
  const cards: ParsedCard[] = new Array<ParsedCard>(scan.drafts.length);
  // The next `<!--` at or after the card being read, looked up again only once passed: a line
  // with one may hold a marker and is read in full.
  let comment = -2;
  for (let n = 0; n < scan.drafts.length; n++) {
    const { column, start, end, line, lastLine, head, headEnd, checked } = scan.drafts[n]!;
    if (comment !== -1 && comment < head) comment = text.indexOf('<!--', head);
    const bold = comment !== -1 && comment < headEnd ? null : boldTitleAt(text, head, headEnd);
    const checkbox = checked === null ? null : checked ? 'done' : 'open';
    let card: ParsedCard;
    if (bold !== null) {
      card = new ParsedCard(text.slice(start, end), column.kind, column.cards.length, line + 1, lastLine + 1, start, null, bold, checkbox, head - start, headEnd - start, undefined, offsets);
      derived.push(deriveId(bold));
    } else {
      const fields = readHead(text.slice(head, headEnd));
      const owner = fields.owner?.name ?? null;
      card = new ParsedCard(text.slice(start, end), column.kind, column.cards.length, line + 1, lastLine + 1, start, fields.marker, fields.title, checkbox, head - start, headEnd - start, owner, offsets);
      derived.push(fields.marker === null ? deriveId(fields.title) : '');
    }
    column.cards.push(card);
    cards[n] = card;
  }
  return cards;
}

/** A copy of a column without its cards, moved by `delta` characters and `lines` lines. */
export function shiftedColumn(column: Column, delta: number, lines: number): Column {
  const { start, end } = column.span;
  return {
    kind: column.kind,
    heading: column.heading,
    line: column.line + lines,
    span: { start: start + delta, end: end === -1 ? -1 : end + delta },
    bodyStart: column.bodyStart + delta,
    cards: [],
  };
}
