import { hunksOf } from './change.ts';
import type { Change } from './change.ts';
import { assignIds } from './identity.ts';
import { readCards, shiftedColumn } from './build.ts';
import type { Parsed } from './build.ts';
import { cardById } from './card-lookup.ts';
import type { Rope } from './rope.ts';
import { closeSection, initialState, scanLines } from './scan.ts';
import type { ScanState, ScanWindow } from './scan.ts';
import type { ParsedCard } from './card.ts';
import { boardWithRegions } from './regions.ts';
import { OldLines } from './resync.ts';
import type { Board, Column, OtherSection } from './types.ts';

const OPENS_FRONT_MATTER = /^\uFEFF?---(?:\r?\n|$)/;

/** Characters past a hunk's end a scan reads at first: it mostly meets the old parse again within a line or two. */
const WINDOW_MARGIN = 2048;

/**
 * Parses `rope`, a text made from an earlier board's by `change`, as that change of the board.
 * Around each changed stretch (hunk), only the lines from the last card before it up to the
 * first line after it where the scan is back in the state the old parse was in are scanned;
 * what comes before the first is kept, and what lies between and after them is moved (a move's
 * removal and insertion leave the cards between them as they were). The result equals a parse
 * from scratch (a test checks it on random edits). Null when the change is in the front matter
 * or may make some. Both texts are read through their pieces, the new one only around the hunks.
 */
export function reparse(old: Parsed, rope: Rope, change: Change): Parsed | null {
  const before = old.offsets.rope;
  const oldCards = old.cards;
  const oldColumns = old.board.columns;
  const hunks = hunksOf(change, before.length, rope.length);
  // A hunk's scan starts at the first line of the last card that ends before it: the state there
  // is known (its column open, nothing else), and every line before it reads as before. With no
  // such card (the first hunk is in or above the first card), the first scan starts where the
  // front matter ends, in the state a parse starts in (-1 stands for there).
  const restarts = hunks.map((hunk) => lastCardEndingBy(oldCards, hunk.start));
  const restartCard = restarts[0]!;
  if (restartCard === -1 && hunks[0]!.start < old.frontEnd) return null;
  // A file that opens with `---` but never closes it has no front matter, until a `---` line
  // anywhere below closes it.
  if (old.frontEnd === 0 && OPENS_FRONT_MATTER.test(rope.slice(0, 8))) return null;
  const from = restartCard === -1 ? old.frontEnd : oldCards[restartCard]!.start;
  const columnOf = columnIndexes(old.board);

  // Sections that start before the restart are kept; columns are copied, as their cards and ends
  // may change. The restart card's column is the last of them; those before it keep all their cards.
  const restartColumn = restartCard === -1 ? -1 : columnOf[restartCard]!;
  const columns: Column[] = [];
  for (let c = 0; c <= restartColumn; c++) {
    const column = shiftedColumn(oldColumns[c]!, 0, 0);
    column.cards = oldColumns[c]!.cards.slice(0, c < restartColumn ? undefined : oldCards[restartCard]!.index);
    columns.push(column);
  }
  const others: OtherSection[] = old.board.others.filter((o) => o.span.start < from);
  const current = columns[restartColumn] ?? null;
  if (current) current.span.end = -1;

  const synced = old.board.lastSynced;
  const state: ScanState = { ...initialState(), column: current, lastSynced: synced && synced.span.start < from ? synced : null };
  const offsets = old.offsets.changed(rope, hunks);
  // The board's cards in order, with the ids their titles give them: kept, then scanned and moved
  // in turn. Made at about their size (an edit seldom adds or removes more than a card or two):
  // grown a push at a time, each would leave a few times its size behind for the collector.
  const cards = new Array<ParsedCard>(oldCards.length + 4);
  const derived = new Array<string>(cards.length);
  let count = 0;
  for (; count < restartCard; count++) {
    // The kept cards read the same from the new text: point them there, so the old one can go.
    oldCards[count]!.rebase(offsets);
    cards[count] = oldCards[count]!;
    derived[count] = old.derived[count]!;
  }
  const scanned: Scanned = { at: [], cards: [], derived: [], replaced: [] };
  let crlf = old.crlf;
  let lf = old.lf;
  const resync = new OldLines(old.board, before, oldCards, columnOf, hunks, restarts);
  // How far the old text and its lines moved where the next scan starts.
  let delta = 0;
  let lineShift = 0;
  for (let hunk = 0, restart = restartCard; ; ) {
    const front = restart === -1 ? countBreaks(before, 0, old.frontEnd) : null;
    const first = front ? { start: old.frontEnd, line: front.crlf + front.lf + 1 } : oldCards[restart]!;
    resync.expect(hunk);
    const start = first.start + delta;
    const scan = scanLines(windowOf(rope, start, resync.newEnd(hunk) + WINDOW_MARGIN), start, first.line - 1 + lineShift, state, resync);
    const at = resync.found;
    if (!at || at.heading) closeSection(state.column, scan.others, scan.end);
    const got: string[] = [];
    const read = readCards(scan, offsets, got);
    for (let n = 0; n < read.length; n++) {
      scanned.at.push(count);
      scanned.cards.push(read[n]!);
      scanned.derived.push(got[n]!);
      cards[count] = read[n]!;
      derived[count++] = got[n]!;
    }
    scanned.replaced.push([Math.max(0, restart), at ? at.card : oldCards.length]);
    columns.push(...scan.columns);
    others.push(...scan.others);
    const removed = countBreaks(before, first.start, at ? at.start - resync.deltaAfter(at.hunk) : before.length);
    crlf += scan.crlf - removed.crlf;
    lf += scan.lf - removed.lf;
    if (!at) break;

    // The old lines from the resync line up to where the next hunk's scan starts (else to the end) move.
    delta = resync.deltaAfter(at.hunk);
    lineShift = scan.lineBase + scan.lineCount - at.line;
    hunk = at.hunk + 1;
    const last = hunk === hunks.length;
    const until = last ? oldCards.length : restarts[hunk]!;
    const oldStart = at.start - delta;
    const oldEnd = last ? before.length : oldCards[until]!.start;
    // The column the resync line is in continues when that line is a card; later sections move.
    // The column the next scan starts in is left open: that scan ends it.
    const continued = at.heading ? -1 : columnOf[at.card]!;
    const nextColumn = last ? -1 : columnOf[until]!;
    if (!at.heading && continued !== nextColumn) state.column!.span.end = oldColumns[continued]!.span.end + delta;
    const firstMovedColumn = at.heading ? at.column : continued + 1;
    const columnShift = columns.length - firstMovedColumn;
    const lastMovedColumn = last ? oldColumns.length - 1 : nextColumn;
    for (let c = firstMovedColumn; c <= lastMovedColumn; c++) {
      const column = shiftedColumn(oldColumns[c]!, delta, lineShift);
      if (c === nextColumn) column.span.end = -1;
      columns.push(column);
    }
    for (const other of old.board.others) {
      if (other.span.start >= oldStart && other.span.start < oldEnd) others.push(movedSection(other, delta, lineShift));
    }
    if (!state.lastSynced && synced && synced.span.start >= oldStart && synced.span.start < oldEnd) {
      state.lastSynced = movedSection(synced, delta, lineShift);
    }
    for (let n = at.card; n < until; n++) {
      const was = oldCards[n]!;
      const column = columnOf[n] === continued ? state.column! : columns[columnOf[n]! + columnShift]!;
      const index = column.cards.length;
      // A card neither moved nor renumbered reads the same: shared, as the kept ones are.
      const same = delta === 0 && lineShift === 0 && index === was.index;
      if (same) was.rebase(offsets);
      const card = same ? was : was.moved(was.id, index, delta, lineShift, offsets);
      column.cards.push(card);
      cards[count] = card;
      derived[count++] = old.derived[n]!;
    }
    if (last) break;
    // The next scan starts at a card, in its column: the state there is known.
    restart = until;
    const column = nextColumn === continued ? state.column : columns[nextColumn + columnShift]!;
    Object.assign(state, { column, inSubsection: false, cardIndent: -1, fence: null, inComment: false });
  }

  cards.length = count;
  derived.length = count;
  const distinct = assignCardIds(cards, derived, columns, scanned, keepsIds(old, scanned));
  const board = boardWithRegions(
    { text: rope.text, eol: crlf > lf ? '\r\n' : '\n', obsidian: old.board.obsidian, columns, cards, others, lastSynced: state.lastSynced },
    old.frontEnd,
    rope,
  );
  return { board, cards, derived, distinct, crlf, lf, frontEnd: old.frontEnd, offsets, from: [] };
}

/** The cards the scans read, and the old cards they replace. */
interface Scanned {
  /** Where each scanned card is in the board's cards. */
  at: number[];
  cards: ParsedCard[];
  derived: string[];
  /** Ranges `[from, to)` of old cards that were scanned again. */
  replaced: Array<[number, number]>;
}

/**
 * Sets the ids of the scanned cards, and of any other card whose id changed; true when every
 * card's id is its claim. Ids are assigned board-wide (a repeated title gets `-2`). When every
 * card's id was its own claim (its marker, else its title's id) and the scanned cards claim what
 * the cards they replace claimed (`unchanged`), nothing can be renumbered: the others keep theirs.
 */
function assignCardIds(cards: ParsedCard[], derived: readonly string[], columns: readonly Column[], scanned: Scanned, unchanged: boolean): boolean {
  if (unchanged) {
    // The scanned cards are new: their ids are set before the board is shared.
    for (let n = 0; n < scanned.cards.length; n++) scanned.cards[n]!.id = scanned.cards[n]!.marker || scanned.derived[n]!;
    return true;
  }
  const markers = cards.map((card) => card.marker);
  const ids = assignIds(markers, derived);
  for (const n of scanned.at) cards[n]!.id = ids[n]!;
  // Another card whose id changed (a repeated title appeared or went) is a new object; the rest are shared.
  let n = 0;
  for (const column of columns) {
    for (let i = 0; i < column.cards.length; i++, n++) {
      if (cards[n]!.id === ids[n]) continue;
      const card = cards[n]!.withId(ids[n]!);
      column.cards[i] = card;
      cards[n] = card;
    }
  }
  return ids.every((id, k) => id === (markers[k] || derived[k]));
}

/**
 * True when no card's id changes: the old board's ids were all its claims (`distinct`), and the
 * scanned cards claim ids that the old cards they replace claimed, or ids no card claims (a card
 * added or moved in). A card removed frees its id; a repeated claim renumbers.
 */
function keepsIds(old: Parsed, scanned: Scanned): boolean {
  if (!old.distinct) return false;
  const replaced = new Set<string>();
  for (const [from, to] of scanned.replaced) for (let n = from; n < to; n++) replaced.add(old.cards[n]!.id);
  const claimedHere = new Set<string>();
  for (let n = 0; n < scanned.cards.length; n++) {
    const claim = scanned.cards[n]!.marker || scanned.derived[n]!;
    if (replaced.delete(claim)) continue;
    // A claim new to the scanned stretches (a card added): free if no card claims it, nor one
    // scanned before it.
    if (claimedHere.has(claim) || cardById(old.cards, claim) !== undefined) return false;
    claimedHere.add(claim);
  }
  return true;
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

/**
 * The new text from `from` to the end of the line at `until` (or past it), as a scan window: it
 * grows fourfold each time the scan reads to its end.
 */
function windowOf(rope: Rope, from: number, until: number): ScanWindow {
  let end = rope.lineEnd(Math.min(until, rope.length));
  const grow = () => {
    end = rope.lineEnd(Math.min(rope.length, from + 4 * (end - from)));
    return rope.slice(from, end);
  };
  return { text: rope.slice(from, end), base: from, total: rope.length, grow };
}

/** CRLF and LF line breaks in `[start, end)` of a text. */
function countBreaks(rope: Rope, start: number, end: number): { crlf: number; lf: number } {
  const text = rope.slice(start, end);
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 ? text.charCodeAt(i - 1) === 13 : rope.charCodeAt(start - 1) === 13) crlf++;
    else lf++;
  }
  return { crlf, lf };
}
