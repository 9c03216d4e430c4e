import { parentPort } from 'node:worker_threads';
import { auditRange } from './range.ts';
import type { RangeResult, RangeTask } from './range.ts';

/** Messages a worker sends for each task: progress in bytes, then its result or an error. */
export type WorkerMessage = { kind: 'bytes'; bytes: number } | { kind: 'done'; result: RangeResult } | { kind: 'error'; code: string; message: string };

function progress(bytes: number): void {
  parentPort!.postMessage({ kind: 'bytes', bytes } satisfies WorkerMessage);
}

// A worker audits one task at a time, as many as it is given (the pool keeps it between audits).
parentPort?.on('message', (task: RangeTask) => {
  auditRange(task, progress).then(
    (result) => {
      const transfer = [result.rowLines.buffer, result.hashes.buffer, ...(result.signatures ? [result.signatures.buffer] : []), ...(result.hasSignature ? [result.hasSignature.buffer] : [])];
      parentPort!.postMessage({ kind: 'done', result } satisfies WorkerMessage, transfer as ArrayBuffer[]);
    },
    (error: unknown) => {
      const e = error as { code?: unknown; message?: unknown };
      parentPort!.postMessage({ kind: 'error', code: typeof e.code === 'string' ? e.code : 'READ_FAILED', message: String(e.message ?? error) } satisfies WorkerMessage);
    },
  );
});
