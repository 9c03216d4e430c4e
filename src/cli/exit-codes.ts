/** Exit statuses the CLI uses; scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** The command ran and found problems (lint findings, lines doctor could not repair), or crashed. */
  problems: 1,
  /** Bad usage: unknown command or option, a bad argument, an ambiguous card. */
  usage: 2,
  /** Input that cannot be used: missing file, not a board, card not found, path outside the workspace. */
  input: 3,
  /** The edit was refused because the file changed under it (a human's change wins). */
  conflict: 4,
  /** Stopped by Ctrl-C or a cancel. */
  cancelled: 130,
} as const;

const BY_CODE: Record<string, number> = {
  INVALID_ARGUMENT: EXIT.usage,
  UNKNOWN_TOOL: EXIT.usage,
  AMBIGUOUS_CARD: EXIT.usage,
  UNKNOWN_COLUMN: EXIT.usage,
  INVALID_EDIT: EXIT.usage,
  FILE_NOT_FOUND: EXIT.input,
  BINARY_FILE: EXIT.input,
  NOT_UTF8: EXIT.input,
  NOT_A_BOARD: EXIT.input,
  INVALID_CONFIG: EXIT.input,
  DAEMON_RUNNING: EXIT.conflict,
  ADDRESS_IN_USE: EXIT.conflict,
  TOKEN_REQUIRED: EXIT.usage,
  LISTEN_FAILED: EXIT.input,
  CARD_NOT_FOUND: EXIT.input,
  PATH_OUTSIDE_WORKSPACE: EXIT.input,
  READ_FAILED: EXIT.input,
  NOT_ENOUGH_ROWS: EXIT.input,
  INVALID_RECIPE: EXIT.input,
  COUNT_MISMATCH: EXIT.problems,
  EDIT_CONFLICT: EXIT.conflict,
  EDIT_DROPPED: EXIT.conflict,
  WRITE_FAILED: EXIT.conflict,
  UNKNOWN_PROVIDER: EXIT.usage,
  NO_API_KEY: EXIT.input,
  PROVIDER_REFUSED: EXIT.problems,
  PROVIDER_UNAVAILABLE: EXIT.problems,
  BUDGET_EXCEEDED: EXIT.problems,
  CANCELLED: EXIT.cancelled,
};

/** The exit status for an error code; 1 for anything unexpected. */
export function exitCodeFor(code: string | undefined): number {
  return (code && BY_CODE[code]) || EXIT.problems;
}
