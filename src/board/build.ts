import { ParsedCard } from './card.ts';
import { boldTitleEnd } from './card-fields.ts';
import { readHead } from './fields.ts';
import { deriveId, deriveIdAt } from './identity.ts';
import { detached } from './lines.ts';
import type { Utf8Offsets } from './utf8-offsets.ts';
import type { Change } from './change.ts';
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
  /** The text as its pieces, with its byte offsets: what its cards read. */
  offsets: Utf8Offsets;
  /** Texts this one was parsed as a change of, newest first, with the change from each and their offsets (see `changeSince`). */
  from: ReadonlyArray<{ text: string; change: Change; offsets: Utf8Offsets }>;
}

/**
 * The cards of a scan, appended to their columns, and (in `derived`) the ids their titles give
 * them; ids are left empty, to be assigned board-wide. Only what identity needs is read here
 * (marker, title, checkbox); the other fields are read when asked for (see `ParsedCard`).
 */
export function readCards(scan: Scan, source: Utf8Offsets, derived: string[]): ParsedCard[] {
  // The drafts' offsets are the board text's; the scan's window is read (`base` on).
  const { drafts, text, base } = scan;
  const cards: ParsedCard[] = new Array<ParsedCard>(drafts.length);
  // The next `<!--` at or after the card being read, looked up again only once passed: a line
  // with one may hold a marker and is read in full.
  let comment = -2;
  for (let n = 0; n < drafts.length; n++) {
    const column = drafts.column(n);
    const start = drafts.start(n);
    const end = drafts.end(n);
    const head = drafts.head(n) - base;
    const headEnd = drafts.headEnd(n) - base;
    const line = drafts.line(n);
    const lastLine = drafts.lastLine(n);
    const checkbox = drafts.checkbox(n);
    if (comment !== -1 && comment < head) comment = text.indexOf('<!--', head);
    const close = comment !== -1 && comment < headEnd ? -1 : boldTitleEnd(text, head, headEnd);
    const index = column.cards.length;
    let card: ParsedCard;
    if (close !== -1) {
      // A bold title: its id is read in place, the title itself on first use.
      card = new ParsedCard(source, column.kind, index, line + 1, lastLine + 1, start, end, null, checkbox, base + head - start, base + headEnd - start, undefined);
      derived.push(deriveIdAt(text, head + 2, close));
    } else {
      const fields = readHead(detached(text.slice(head, headEnd)));
      const owner = fields.owner?.name ?? null;
      card = new ParsedCard(source, column.kind, index, line + 1, lastLine + 1, start, end, fields.marker, checkbox, base + head - start, base + headEnd - start, { title: fields.title, owner });
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
