import { parentPort } from 'node:worker_threads';
import { TokenCounter } from '../tokens.ts';
import type { SegmentCache, TokenEncoding } from '../tokens.ts';
import { auditRange } from './range.ts';
import type { RangeResult, RangeTask } from './range.ts';

/** Messages a worker gets: a task, or the cached segments it asked for. */
export type ToWorker = { kind: 'task'; task: RangeTask } | { kind: 'segments'; encoding: TokenEncoding; cache: SegmentCache };

/**
 * Messages a worker sends for each task: progress in bytes, then its result or an error; and
 * before a task whose encoding it has cached nothing of, a request for the caller's segments.
 */
export type WorkerMessage =
  | { kind: 'bytes'; bytes: number }
  | { kind: 'warm'; encoding: TokenEncoding }
  | { kind: 'done'; result: RangeResult }
  | { kind: 'error'; code: string; message: string };

function progress(bytes: number): void {
  parentPort!.postMessage({ kind: 'bytes', bytes } satisfies WorkerMessage);
}

function run(task: RangeTask): void {
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
}

let waiting: RangeTask | null = null;

// A worker audits one task at a time, as many as it is given (the pool keeps it between audits).
// A new one first asks for the caller's cached segments: the caller has been auditing while
// this thread started, and a warm cache spares it most pre-tokenizing, and often gpt-tokenizer's
// tables (their loading was most of a worker's start).
parentPort?.on('message', (message: ToWorker) => {
  if (message.kind === 'segments') {
    TokenCounter.shared(message.encoding).warm(message.cache);
    const task = waiting!;
    waiting = null;
    return run(task);
  }
  const { task } = message;
  if (TokenCounter.shared(task.encoding).segmentsCached === 0) {
    waiting = task;
    return parentPort!.postMessage({ kind: 'warm', encoding: task.encoding } satisfies WorkerMessage);
  }
  run(task);
});
