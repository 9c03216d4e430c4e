import type { Hunk } from './change.ts';
import type { ParsedCard } from './card.ts';
import type { Rope } from './rope.ts';
import type { Resync, Scan } from './scan.ts';
import type { Board } from './types.ts';

/** Where the scan of the new text met a line from which the old parse holds again. */
export interface ResyncPoint {
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
  /** The last hunk before the line: the old text from the line on moved by `deltaAfter(hunk)`. */
  hunk: number;
}

/**
 * Accepts the first line after a hunk that in the old parse started a card or a section, when
 * the new scan arrives there in a state that reads it the same way: no fence or comment open,
 * the open card (if any) closed by it, and for a card a column of the same kind. From there
 * on every line reads as before, only moved, up to the card the next hunk's scan starts at: a
 * line past that card is not accepted, and the scan goes on through the next hunk too.
 */
export class OldLines implements Resync {
  found: ResyncPoint | null = null;
  from = 0;
  #card = 0;
  #column = 0;
  #other = 0;
  /** The last hunk whose new start the scan has reached. */
  #hunk = 0;
  /** How far the old text after each hunk moved. */
  readonly #after: number[] = [];

  /**
   * `before` is the old board's text; `restarts[k]` is the old card hunk `k`'s scan would start
   * at; `columnOf[n]` the index of old card `n`'s column.
   */
  constructor(
    private readonly board: Board,
    private readonly before: Rope,
    private readonly cards: readonly ParsedCard[],
    private readonly columnOf: Int32Array,
    private readonly hunks: readonly Hunk[],
    private readonly restarts: readonly number[],
  ) {
    let delta = 0;
    for (const hunk of hunks) this.#after.push((delta += hunk.length - (hunk.end - hunk.start)));
  }

  /** Makes ready for a scan that starts before hunk `hunk`: no line before its end is accepted. */
  expect(hunk: number): void {
    this.found = null;
    this.#hunk = hunk;
    this.from = this.newEnd(hunk);
  }

  /** How far the old text after hunk `hunk` (and before the next) moved. */
  deltaAfter(hunk: number): number {
    return this.#after[hunk]!;
  }

  at(scan: Scan, start: number, indent: number): boolean {
    const { board, hunks } = this;
    // A line at or past a later hunk's start waits for that hunk's end: one scan takes both in.
    while (this.#hunk + 1 < hunks.length && start >= this.#newStart(this.#hunk + 1)) this.from = this.newEnd(++this.#hunk);
    if (start < this.from) return false;
    const old = start - this.#after[this.#hunk]!;
    // The same line in the old text: it starts a line there too (and is the same to its end).
    if (old > 0 && this.before.charCodeAt(old - 1) !== 10) return false;
    const { columns, others } = board;
    const cards = this.cards;
    while (this.#card < cards.length && cards[this.#card]!.start < old) this.#card++;
    while (this.#column < columns.length && columns[this.#column]!.span.start < old) this.#column++;
    while (this.#other < others.length && others[this.#other]!.span.start < old) this.#other++;
    const card = cards[this.#card]?.start === old ? cards[this.#card]! : null;
    const column = columns[this.#column]?.span.start === old ? columns[this.#column]! : null;
    const other = others[this.#other]?.span.start === old ? others[this.#other]! : null;
    if (!card && !column && !other) return false;
    // The old lines from here on are moved only up to where the next hunk's scan starts.
    const next = this.#hunk + 1;
    if (next < hunks.length && this.#card > this.restarts[next]!) return false;

    const state = scan.state;
    if (state.inComment) return false;
    if (state.cardIndent !== -1 && indent > state.cardIndent) return false;
    if (state.fence && !(state.fence.inCard && state.cardIndent !== -1)) return false;
    // Only the first `_Last synced_` line counts: if the old one is gone, a later one may count now.
    if (!state.lastSynced && board.lastSynced && board.lastSynced.span.start < old) return false;
    if (card && (state.inSubsection || state.column?.kind !== board.columns[this.columnOf[this.#card]!]!.kind)) return false;
    const line = (card ?? column ?? other)!.line - 1;
    this.found = { start, line, card: this.#card, heading: card === null, column: this.#column, hunk: this.#hunk };
    return true;
  }

  #newStart(hunk: number): number {
    return this.hunks[hunk]!.start + (hunk > 0 ? this.#after[hunk - 1]! : 0);
  }

  /** Where hunk `hunk` ends in the new text. */
  newEnd(hunk: number): number {
    return this.#newStart(hunk) + this.hunks[hunk]!.length;
  }
}
