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
  const { starts, ends } = scan.lines;
  const fields: CardFields[] = new Array<CardFields>(scan.drafts.length);
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    fields[n] = cardFields(text.slice(starts[draft.first], ends[draft.last]), draft.item);
  }
  return fields;
}

/**
 * The cards of a scan, appended to their columns. `at`/`bytes` are a text offset at or before
 * the scan's first card and its UTF-8 offset: byte offsets are counted forward from there, once,
 * at the card boundaries (cards are in file order).
 */
export function buildCards(text: string, scan: Scan, fields: readonly CardFields[], ids: readonly string[], at: number, bytes: number): Card[] {
  const { starts, ends } = scan.lines;
  const cards: Card[] = new Array<Card>(scan.drafts.length);
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    const f = fields[n]!;
    const kind = draft.column.kind;
    const start = starts[draft.first]!;
    const end = ends[draft.last]!;
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
      line: scan.lineBase + draft.first + 1,
      endLine: scan.lineBase + draft.last + 1,
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

/** Appends the regions of the scanned lines, from table index `from` on; cards and headings each get their own. */
export function pushRegions(regions: Region[], scan: Scan, from: number): void {
  const { starts, ends } = scan.lines;
  const count = starts.length;
  // -1: verbatim, -2: a column heading, n: the n-th card of the scan.
  const owners = new Int32Array(count).fill(-1);
  for (const i of scan.headings) owners[i] = -2;
  for (let n = 0; n < scan.drafts.length; n++) {
    const draft = scan.drafts[n]!;
    owners.fill(n, draft.first, draft.last + 1);
  }
  let previous = 0;
  let last: Region | null = null;
  for (let i = from; i < count; i++) {
    const owner = owners[i]!;
    if (last && owner === previous && owner !== -2) {
      last.span.end = ends[i]!;
    } else {
      last = { kind: owner >= 0 ? 'card' : owner === -2 ? 'heading' : 'verbatim', span: { start: starts[i]!, end: ends[i]! } };
      regions.push(last);
    }
    previous = owner;
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
