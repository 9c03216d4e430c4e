import { changeOf } from './change.ts';
import type { Change } from './change.ts';
import { assignIds } from './identity.ts';
import { indentWidthAt, Utf8Offsets } from './lines.ts';
import { readCards, shiftedColumn } from './build.ts';
import type { Parsed } from './build.ts';
import { closeSection, initialState, scanLines } from './scan.ts';
import type { Resync, Scan, ScanState } from './scan.ts';
import type { ParsedCard } from './card.ts';
import { boardWithRegions } from './regions.ts';
import type { Board, Card, Column, OtherSection } from './types.ts';

const OPENS_FRONT_MATTER = /^\uFEFF?---(?:\r?\n|$)/;

/**
 * Parses `text` as a change of an earlier board. Only the lines from the last card before the
 * first changed character up to the first line after the change where the scan is back in the
 * state the old parse was in are scanned; what comes before is kept and what comes after is
 * moved. The result equals a parse from scratch (a test checks it on random edits). Null when
 * the change is in the front matter or may make some.
 */
export function reparse(old: Parsed, text: string, change: Change = changeOf(old.board.text, text)): Parsed | null {
  const before = old.board.text;
  const oldCards = old.cards;
  const oldColumns = old.board.columns;
  const { prefix, suffix } = change;
  // A file that opens with `---` but never closes it has no front matter, until a `---` line
  // anywhere below closes it.
  if (old.frontEnd === 0 && OPENS_FRONT_MATTER.test(text)) return null;
  // Restart at the first line of the last card that ends before the change: the state there is
  // known (its column open, nothing else), and every line before it reads as before. With no
  // such card (the change is in or above the first card), at the end of the front matter, in
  // the state a parse starts in.
  const restartCard = lastCardEndingBy(oldCards, prefix);
  if (restartCard === -1 && prefix < old.frontEnd) return null;
  const restart = restartCard === -1 ? null : oldCards[restartCard]!;
  const from = restart ? restart.start : old.frontEnd;
  const columnOf = columnIndexes(old.board);
  const kept = Math.max(0, restartCard);

  // Sections that start before the restart are kept; columns are copied, as their cards and ends
  // may change. The restart card's column is the last of them; those before it keep all their cards.
  const restartColumn = restart ? columnOf[restartCard]! : -1;
  const columns: Column[] = [];
  for (let c = 0; c <= restartColumn; c++) {
    const column = shiftedColumn(oldColumns[c]!, 0, 0);
    column.cards = oldColumns[c]!.cards.slice(0, c < restartColumn ? undefined : restart!.index);
    columns.push(column);
  }
  const others: OtherSection[] = old.board.others.filter((o) => o.span.start < from);
  const current = columns[restartColumn] ?? null;
  if (current) current.span.end = -1;

  const synced = old.board.lastSynced;
  const state: ScanState = { ...initialState(), column: current, lastSynced: synced && synced.span.start < from ? synced : null };
  const delta = text.length - before.length;
  const resync = new OldLines(old.board, oldCards, columnOf, text, delta, text.length - suffix);
  const scan = scanLines(text, from, restart ? restart.line - 1 : lineCount(before, from), state, resync);
  const at = resync.found;
  if (!at || at.heading) closeSection(state.column, scan.others, scan.end);

  // How far the old lines from the resync point on moved.
  const oldEnd = at ? at.start - delta : before.length;
  const lineShift = at ? scan.lineBase + scan.lineCount - at.line : 0;
  const firstMovedCard = at ? at.card : oldCards.length;

  const scannedDerived: string[] = [];
  const offsets = new Utf8Offsets(text);
  const scanned = readCards(text, scan, offsets, scannedDerived);
  const moved = at ? oldCards.length - firstMovedCard : 0;
  // The board's cards in order, in arrays made at their size: kept, scanned, moved.
  const cards = new Array<ParsedCard>(kept + scanned.length + moved);
  const derived = new Array<string>(cards.length);
  for (let n = 0; n < kept; n++) {
    // The kept cards read the same from the new text: point them there, so the old one can go.
    oldCards[n]!.rebase(offsets);
    cards[n] = oldCards[n]!;
    derived[n] = old.derived[n]!;
  }
  for (let n = 0; n < scanned.length; n++) derived[kept + n] = scannedDerived[n]!;
  for (let n = 0; n < moved; n++) derived[kept + scanned.length + n] = old.derived[firstMovedCard + n]!;
  // Ids are assigned board-wide (a repeated title gets `-2`). When every card's id is its own
  // claim (its marker, else its title's id) and the scanned cards claim what the cards they
  // replace claimed, nothing can be renumbered: the kept and moved cards keep theirs.
  const unchanged = keepsIds(old, kept, firstMovedCard, scanned, scannedDerived);
  let distinct = unchanged;
  let ids: string[] | null = null;
  if (!unchanged) {
    const markers: Array<string | null> = [];
    for (let n = 0; n < kept; n++) markers.push(oldCards[n]!.marker);
    for (let n = 0; n < scanned.length; n++) markers.push(scanned[n]!.marker);
    for (let n = 0; n < moved; n++) markers.push(oldCards[firstMovedCard + n]!.marker);
    ids = assignIds(markers, derived);
    distinct = ids.every((id, n) => id === (markers[n] || derived[n]));
    // A kept card whose id changed (a repeated title appeared or went) is a new object; the rest are shared.
    for (let n = 0; n < kept; n++) {
      if (cards[n]!.id === ids[n]) continue;
      const card = cards[n]!.withId(ids[n]!);
      columns[columnOf[n]!]!.cards[card.index] = card;
      cards[n] = card;
    }
  }
  // The scanned cards are new: their ids are set before the board is shared.
  for (let n = 0; n < scanned.length; n++) {
    scanned[n]!.id = ids ? ids[kept + n]! : scanned[n]!.marker || scannedDerived[n]!;
    cards[kept + n] = scanned[n]!;
  }
  columns.push(...scan.columns);
  others.push(...scan.others);

  if (at) {
    // The column the resync line is in continues when that line is a card; later sections move.
    const continued = at.heading ? -1 : columnOf[at.card]!;
    if (!at.heading) state.column!.span.end = oldColumns[continued]!.span.end + delta;
    const firstMovedColumn = at.heading ? at.column : continued + 1;
    const columnShift = columns.length - firstMovedColumn;
    for (let c = firstMovedColumn; c < oldColumns.length; c++) columns.push(shiftedColumn(oldColumns[c]!, delta, lineShift));
    for (const other of old.board.others) if (other.span.start >= oldEnd) others.push(movedSection(other, delta, lineShift));
    for (let n = 0; n < moved; n++) {
      const was = oldCards[firstMovedCard + n]!;
      const k = kept + scanned.length + n;
      const column = columnOf[firstMovedCard + n] === continued ? state.column! : columns[columnOf[firstMovedCard + n]! + columnShift]!;
      const card = was.moved(ids ? ids[k]! : was.id, column.cards.length, delta, lineShift, offsets);
      column.cards.push(card);
      cards[k] = card;
    }
  }

  const removed = countBreaks(before, from, oldEnd);
  const crlf = old.crlf - removed.crlf + scan.crlf;
  const lf = old.lf - removed.lf + scan.lf;
  let lastSynced = state.lastSynced;
  if (!lastSynced && at && synced && synced.span.start >= oldEnd) lastSynced = movedSection(synced, delta, lineShift);
  const board = boardWithRegions({ text, eol: crlf > lf ? '\r\n' : '\n', obsidian: old.board.obsidian, columns, cards, others, lastSynced }, old.frontEnd);
  return { board, cards, derived, distinct, crlf, lf, frontEnd: old.frontEnd, from: [] };
}

/**
 * True when no card's id changes: the old board's ids were all its claims (`distinct`), and the
 * scanned cards claim ids that the old cards `[from, to)` they replace claimed, or ids no card
 * claims (a card added or moved in). A card removed frees its id; a repeated one renumbers.
 */
function keepsIds(old: Parsed, from: number, to: number, scanned: readonly Card[], derived: readonly string[]): boolean {
  if (!old.distinct) return false;
  const replaced = new Set<string>();
  for (let n = from; n < to; n++) replaced.add(old.cards[n]!.id);
  let taken: Set<string> | null = null;
  for (let n = 0; n < scanned.length; n++) {
    const claim = scanned[n]!.marker || derived[n]!;
    if (replaced.delete(claim)) continue;
    // A claim new to this stretch: free if no card claims it, nor one scanned before it.
    taken ??= new Set(old.cards.map((card) => card.id));
    if (taken.has(claim)) return false;
    taken.add(claim);
  }
  return true;
}

/** Where the scan of the new text met a line from which the old parse holds again. */
interface ResyncPoint {
  /** Offset of the line in the new text. */
  start: number;
  /** Its 0-based line index in the old text. */
  line: number;
  /** Index of the first old card starting at or after the line. */
  card: number;
  /** True when the line is a section heading, not a card. */
  heading: boolean;
  /** Index of the first old column starting at or after the line. */
  column: number;
}

/**
 * Accepts the first line after the change that in the old parse started a card or a section,
 * when the new scan arrives there in a state that reads it the same way: no fence or comment
 * open, the open card (if any) closed by it, and for a card a column of the same kind. From
 * there on every line reads as before, only moved.
 */
class OldLines implements Resync {
  found: ResyncPoint | null = null;
  #card = 0;
  #column = 0;
  #other = 0;

  constructor(
    private readonly board: Board,
    private readonly cards: readonly ParsedCard[],
    private readonly columnOf: Int32Array,
    private readonly text: string,
    private readonly delta: number,
    readonly from: number,
  ) {}

  at(scan: Scan, start: number, contentEnd: number): boolean {
    const { board, delta } = this;
    const old = start - delta;
    // The same line in the old text: it starts a line there too (and is the same to its end).
    if (old > 0 && board.text.charCodeAt(old - 1) !== 10) return false;
    const { columns, others } = board;
    const cards = this.cards;
    while (this.#card < cards.length && cards[this.#card]!.start < old) this.#card++;
    while (this.#column < columns.length && columns[this.#column]!.span.start < old) this.#column++;
    while (this.#other < others.length && others[this.#other]!.span.start < old) this.#other++;
    const card = cards[this.#card]?.start === old ? cards[this.#card]! : null;
    const column = columns[this.#column]?.span.start === old ? columns[this.#column]! : null;
    const other = others[this.#other]?.span.start === old ? others[this.#other]! : null;
    if (!card && !column && !other) return false;

    const state = scan.state;
    if (state.inComment) return false;
    if (state.cardIndent !== -1 && indentWidthAt(this.text, start, contentEnd) > state.cardIndent) return false;
    if (state.fence && !(state.fence.inCard && state.cardIndent !== -1)) return false;
    // Only the first `_Last synced_` line counts: if the old one is gone, a later one may count now.
    if (!state.lastSynced && board.lastSynced && board.lastSynced.span.start < old) return false;
    if (card && (state.inSubsection || state.column?.kind !== board.columns[this.columnOf[this.#card]!]!.kind)) return false;
    const line = (card ?? column ?? other)!.line - 1;
    this.found = { start, line, card: this.#card, heading: card === null, column: this.#column };
    return true;
  }
}

/** Index of the last card that ends at or before `offset`, -1 when none does. */
function lastCardEndingBy(cards: readonly ParsedCard[], offset: number): number {
  let lo = 0;
  let hi = cards.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cards[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The index in `board.columns` of each card's column (cards are their columns' cards, in order). */
function columnIndexes(board: Board): Int32Array {
  const of = new Int32Array(board.cards.length);
  let n = 0;
  for (let c = 0; c < board.columns.length; c++) {
    const count = board.columns[c]!.cards.length;
    of.fill(c, n, n + count);
    n += count;
  }
  return of;
}

function movedSection<T extends { line: number; span: { start: number; end: number } }>(section: T, delta: number, lines: number): T {
  return { ...section, line: section.line + lines, span: { start: section.span.start + delta, end: section.span.end + delta } };
}

/** Lines before offset `end` (which starts a line). */
function lineCount(text: string, end: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** CRLF and LF line breaks in `text[start, end)`. */
function countBreaks(text: string, start: number, end: number): { crlf: number; lf: number } {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n', start); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return { crlf, lf };
}
