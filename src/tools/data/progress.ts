import type { ToolContext } from '../tool.ts';

/** Reports a pipeline run's progress (bytes of all inputs, rows so far) through the tool context. */
export function rowProgress(context: ToolContext): (progress: { bytes: number; totalBytes: number; rows: number }) => void {
  return ({ bytes, totalBytes, rows }) => context.progress({ done: bytes, total: totalBytes, unit: 'bytes', message: `${rows.toLocaleString('en-US')} rows` });
}
