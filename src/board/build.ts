import { readCardFields, rememberCard, seenCard } from './card-fields.ts';
import { inlineReason } from './fields.ts';
import { deriveId } from './identity.ts';
import type { Scan } from './scan.ts';
import type { Board, Card, Column, Region } from './types.ts';

/** A parsed board with what an incremental parse of its next version needs. */
export interface Parsed {
  board: Board;
  /** `deriveId` of each card's title, in `board.cards` order (ids are assigned board-wide); '' for a card with a marker. */
  derived: string[];
  /** Every card's id is its claim (marker, else `derived`): no id was repeated. */
  distinct: boolean;
  /** Line breaks in the text, for the dominant line ending. */
  crlf: number;
  lf: number;
}

/** Cards read in a row without one seen before, after which a scan's cards are taken as new. */
const NEW_BOARD_AFTER = 64;

/**
 * The cards of a scan, appended to their columns, and (in `derived`) the ids their titles give
 * them; ids are left empty, to be assigned board-wide. A card seen before (same text) takes
 * the fields read then; only new cards are read. `at`/`bytes` are a text offset at or before
 * the scan's first card and its UTF-8 offset: byte offsets are counted forward from there,
 * once, at the card boundaries (cards are in file order).
 */
export function readCards(text: string, scan: Scan, at: number, bytes: number, derived: string[]): Card[] {
  const cards: Card[] = new Array<Card>(scan.drafts.length);
  // Looking a card up hashes its text: when none of the first cards was seen, the board is
  // new (a cold start), and the rest are not looked up either.
  let lookUp = true;
  let hits = 0;
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    const kind = draft.column.kind;
    const { start, end } = draft;
    const cardText = text.slice(start, end);
    if (start > at) bytes += Buffer.byteLength(text.slice(at, start));
    const byteStart = bytes;
    bytes += Buffer.byteLength(cardText);
    at = end;
    // A bold blocked reason counts only in Blocked: a card seen in another column is read again
    // when it moved into or out of Blocked.
    const known = lookUp ? seenCard(cardText) : undefined;
    if (known !== undefined) hits++;
    else if (n + 1 === NEW_BOARD_AFTER && hits === 0) lookUp = false;
    let card: Card;
    if (known !== undefined && (known.column === kind || (known.column !== 'blocked' && kind !== 'blocked'))) {
      card = {
        id: '',
        marker: known.marker,
        column: kind,
        index: draft.column.cards.length,
        title: known.title,
        owner: known.owner,
        mentions: known.mentions,
        command: known.command,
        after: known.after,
        links: known.links,
        checkbox: known.checkbox,
        blockedReason: known.blockedReason,
        line: draft.line + 1,
        endLine: draft.lastLine + 1,
        span: { start, end },
        bytes: { start: byteStart, end: bytes },
        text: cardText,
      };
      // Only a card without a marker is known by its title. Its id is that title's id, or the
      // id with `-2`, `-3`… when repeated: an id of eight characters is the title's id itself.
      derived.push(known.marker !== null ? '' : known.id.length === 8 ? known.id : deriveId(known.title));
    } else {
      const f = readCardFields(cardText, draft.item);
      card = {
        id: '',
        marker: f.marker,
        column: kind,
        index: draft.column.cards.length,
        title: f.title,
        owner: f.owner,
        mentions: f.mentions,
        command: f.command,
        after: f.after,
        links: f.links,
        checkbox: f.checkbox,
        blockedReason: f.blockedNote ?? (kind === 'blocked' ? inlineReason(f.headText) : null),
        line: draft.line + 1,
        endLine: draft.lastLine + 1,
        span: { start, end },
        bytes: { start: byteStart, end: bytes },
        text: cardText,
      };
      derived.push(f.marker === null ? deriveId(f.title) : '');
      rememberCard(card);
    }
    draft.column.cards.push(card);
    cards[n] = card;
  }
  return cards;
}

/**
 * Appends the regions of the scanned text: each card and each column heading line is one,
 * and what lies between them is verbatim.
 */
export function pushRegions(regions: Region[], scan: Scan): void {
  const { drafts, headings } = scan;
  let at = scan.start;
  let h = 0;
  for (let n = 0; n <= drafts.length; n++) {
    const next = n < drafts.length ? drafts[n]!.start : scan.end;
    for (; h < headings.length && headings[h]! < next; h += 2) {
      if (headings[h]! > at) regions.push({ kind: 'verbatim', span: { start: at, end: headings[h]! } });
      at = headings[h + 1]!;
      regions.push({ kind: 'heading', span: { start: headings[h]!, end: at } });
    }
    if (next > at) regions.push({ kind: 'verbatim', span: { start: at, end: next } });
    if (n < drafts.length) {
      at = drafts[n]!.end;
      regions.push({ kind: 'card', span: { start: next, end: at } });
    }
  }
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
