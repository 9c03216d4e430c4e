import type { Edit, EditResult } from './edits.ts';
import type { Board } from './types.ts';

/** An edit that was not applied because a human changed the card first. */
export interface DroppedEdit {
  edit: Edit;
  reason: string;
  message: string;
}

/** What `update` did: the edits that took, the ones dropped, and the board as written. */
export interface UpdateOutcome {
  board: Board;
  applied: EditResult[];
  dropped: DroppedEdit[];
  written: boolean;
  attempts: number;
}

/**
 * An outcome whose board is read on first use: a caller that only needs to know the write
 * landed does not pay for it. A class, not an object with its own getter: V8 keeps such a getter
 * in the object's hidden class, outside the young generation, and what it holds (the text, the
 * board) then outlives the first collections it meets as garbage.
 */
export class LazyOutcome implements UpdateOutcome {
  readonly #read: () => Board;
  #board: Board | undefined;

  constructor(
    read: () => Board,
    readonly applied: EditResult[],
    readonly dropped: DroppedEdit[],
    readonly written: boolean,
    readonly attempts: number,
  ) {
    this.#read = read;
  }

  get board(): Board {
    return (this.#board ??= this.#read());
  }
}

/**
 * The part of a shared outcome that belongs to edits `from`..`to` of the group: their results and
 * drops (`applied` and `dropped` keep the edits' order, a drop naming its edit), the same board.
 */
export function share(outcome: UpdateOutcome, edits: readonly Edit[], from: number, to: number): UpdateOutcome {
  const applied: EditResult[] = [];
  const dropped: DroppedEdit[] = [];
  let a = 0;
  let d = 0;
  for (let i = 0; i < edits.length; i++) {
    const mine = i >= from && i < to;
    if (outcome.dropped[d]?.edit === edits[i]) {
      if (mine) dropped.push(outcome.dropped[d]!);
      d++;
    } else {
      if (mine) applied.push(outcome.applied[a]!);
      a++;
    }
  }
  const written = outcome.written && applied.some((result) => result.changed);
  return new LazyOutcome(() => outcome.board, applied, dropped, written, outcome.attempts);
}
