/** Stable codes for every way the board engine can refuse; callers switch on `code`, people read `message`. */
export type BoardErrorCode =
  | 'FILE_NOT_FOUND'
  | 'BINARY_FILE'
  | 'NOT_UTF8'
  | 'NOT_A_BOARD'
  | 'CARD_NOT_FOUND'
  | 'AMBIGUOUS_CARD'
  | 'UNKNOWN_COLUMN'
  | 'INVALID_EDIT'
  | 'EDIT_CONFLICT'
  | 'WRITE_FAILED';

/** An error from the board engine, with a stable code and a message that names file and line. */
export class BoardError extends Error {
  override readonly name = 'BoardError';
  constructor(
    readonly code: BoardErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Why an edit was dropped: the human changed the card first, and the human wins. */
export type ConflictReason = 'CARD_GONE' | 'CARD_MOVED' | 'OWNER_CHANGED';

/** Thrown when an edit no longer applies to the latest file; the edit is dropped, not forced. */
export class EditConflict extends BoardError {
  constructor(
    readonly reason: ConflictReason,
    message: string,
  ) {
    super('EDIT_CONFLICT', message, { reason });
  }
}
