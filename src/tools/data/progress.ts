import type { ToolContext } from '../tool.ts';

/**
 * Reports a pipeline run's progress (bytes of all inputs, rows so far) through the tool context;
 * `pass` names which pass over the data it is when a tool makes several.
 */
export function rowProgress(context: ToolContext, pass?: string): (progress: { bytes: number; totalBytes: number; rows: number }) => void {
  return ({ bytes, totalBytes, rows }) =>
    context.progress({ done: bytes, total: totalBytes, unit: 'bytes', message: `${pass ? `${pass}: ` : ''}${rows.toLocaleString('en-US')} rows` });
}
