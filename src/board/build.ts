import { cardFields } from './card-fields.ts';
import type { CardFields } from './card-fields.ts';
import { inlineReason } from './fields.ts';
import type { Scan } from './scan.ts';
import type { Board, Card, Column, Region } from './types.ts';

/** A parsed board with what an incremental parse of its next version needs. */
export interface Parsed {
  board: Board;
  /** `deriveId` of each card's title, in `board.cards` order (ids are assigned board-wide). */
  derived: string[];
  /** Line breaks in the text, for the dominant line ending. */
  crlf: number;
  lf: number;
}

/** The fields of each card the scan found (cached by card text: most were seen in the last parse). */
export function draftFields(text: string, scan: Scan): CardFields[] {
  const fields: CardFields[] = new Array<CardFields>(scan.drafts.length);
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    fields[n] = cardFields(text.slice(draft.start, draft.end), draft.item);
  }
  return fields;
}

/**
 * The cards of a scan, appended to their columns. `at`/`bytes` are a text offset at or before
 * the scan's first card and its UTF-8 offset: byte offsets are counted forward from there, once,
 * at the card boundaries (cards are in file order).
 */
export function buildCards(text: string, scan: Scan, fields: readonly CardFields[], ids: readonly string[], at: number, bytes: number): Card[] {
  const cards: Card[] = new Array<Card>(scan.drafts.length);
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    const f = fields[n]!;
    const kind = draft.column.kind;
    const { start, end } = draft;
    if (start > at) bytes += Buffer.byteLength(text.slice(at, start));
    const byteStart = bytes;
    bytes += Buffer.byteLength(f.text);
    at = end;
    const card: Card = {
      id: ids[n]!,
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
      // Its lines, as the key of the cached fields: the same string, not a second slice.
      text: f.text,
    };
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
