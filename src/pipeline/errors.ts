/** Stable codes for pipeline failures. */
export type PipelineErrorCode = 'FILE_NOT_FOUND' | 'READ_FAILED' | 'INVALID_ARGUMENT' | 'INVALID_RECIPE' | 'NOT_ENOUGH_ROWS' | 'COUNT_MISMATCH' | 'OUT_OF_MEMORY' | 'CANCELLED';

/** A pipeline failure with a stable code and a message that names the file and what to fix. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
