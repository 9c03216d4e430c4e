import type { Response } from 'express';

/** Stable codes the web API answers with, beside the board's and the tools' own codes. */
export type WebErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CROSS_ORIGIN'
  | 'NOT_FOUND'
  | 'CARD_NOT_RUNNING'
  | 'CARD_NOT_BLOCKED'
  | 'TOO_MANY_STREAMS'
  | 'INTERNAL';

/** A refusal of the web API: an HTTP status, a stable code and what to do about it. */
export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(
    readonly status: number,
    readonly code: WebErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** HTTP statuses for codes raised below the web layer (board engine, tools). */
const STATUS_BY_CODE: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNKNOWN_COLUMN: 400,
  INVALID_EDIT: 400,
  PATH_OUTSIDE_WORKSPACE: 403,
  CARD_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  AMBIGUOUS_CARD: 409,
  EDIT_DROPPED: 409,
  EDIT_CONFLICT: 409,
  NOT_UTF8: 422,
  NOT_A_BOARD: 422,
  BINARY_FILE: 422,
  WRITE_FAILED: 503,
};

/**
 * The one place the web API turns a failure into a response: `{ error: { code, message } }`,
 * the shape the CLI prints with `--json`. Errors without a code are reported as INTERNAL.
 */
export function sendError(res: Response, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
  const status = error instanceof WebError ? error.status : (STATUS_BY_CODE[code] ?? 500);
  const message = error instanceof Error ? error.message : String(error);
  res.status(status).json({ error: { code, message } });
}
