/** Stable codes for tool failures that are not the board engine's own. */
export type ToolErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_TOOL'
  | 'PATH_OUTSIDE_WORKSPACE'
  | 'EDIT_DROPPED'
  | 'JOB_FAILED'
  | 'JOB_NOT_FOUND'
  | 'NOT_CONFIRMED'
  | 'CANCELLED'
  | 'INTERNAL';

/** A tool failure with a stable code and a message that says what to fix. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
