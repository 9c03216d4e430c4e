import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '../errors.ts';
import type { PipelineErrorCode } from '../errors.ts';
import { auditRange } from './range.ts';
import type { RangeResult, RangeTask } from './range.ts';
import type { WorkerMessage } from './worker.ts';

/** Files smaller than this are audited on the main thread: starting workers would cost more. */
export const THREADED_MIN_BYTES = 8 << 20;

/** How many threads an audit uses by default: every core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Runs range tasks on `threads` threads: the first task on this thread, the others on worker
 * threads (`threads - 1` at a time), and returns their results in task order. The signal
 * terminates every worker; a worker's error rejects with its code.
 */
export async function runRanges(tasks: readonly RangeTask[], threads: number, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<RangeResult[]> {
  const results: RangeResult[] = new Array<RangeResult>(tasks.length);
  const running = new Set<Worker>();
  let next = 0;
  const runOne = (task: RangeTask, index: number) =>
    new Promise<void>((resolve, reject) => {
      // A streaming pass needs little heap: a cap makes the worker collect early instead of growing.
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 } });
      running.add(worker);
      const fail = (code: PipelineErrorCode, message: string) => {
        running.delete(worker);
        void worker.terminate();
        reject(new PipelineError(code, message, { path: task.path }));
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'bytes') onBytes(message.bytes);
        else if (message.kind === 'error') fail(message.code as PipelineErrorCode, message.message);
        else {
          results[index] = message.result;
          running.delete(worker);
          void worker.terminate();
          resolve();
        }
      });
      worker.once('error', (error: Error & { code?: string }) =>
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? fail('OUT_OF_MEMORY', `${task.path}: a range needed more memory than a worker has (a very long row)`)
          : fail('READ_FAILED', `${task.path}: audit worker failed: ${error.message}`),
      );
      // Terminated (a cancel) or gone without an answer: the task ends either way.
      worker.once('exit', () => {
        if (results[index] !== undefined) return;
        running.delete(worker);
        reject(new PipelineError(signal?.aborted ? 'CANCELLED' : 'READ_FAILED', `${task.path}: ${signal?.aborted ? 'cancelled' : 'audit worker stopped'}`, { path: task.path }));
      });
      worker.postMessage(task);
    });
  // This thread takes the first range itself: one isolate (and its memory) fewer.
  next = 1;
  const here = auditRange(tasks[0]!, onBytes, signal).then((result) => {
    results[0] = result;
  });
  const lanes = Array.from({ length: Math.min(threads - 1, tasks.length - 1) }, async () => {
    while (next < tasks.length) {
      signal?.throwIfAborted();
      const index = next++;
      await runOne(tasks[index]!, index);
    }
  });
  lanes.push(here);
  const onAbort = () => {
    for (const worker of running) void worker.terminate();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(lanes);
  } catch (error) {
    onAbort();
    if (signal?.aborted) throw new PipelineError('CANCELLED', `${tasks[0]?.path ?? 'audit'}: cancelled`);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw new PipelineError('CANCELLED', `${tasks[0]?.path ?? 'audit'}: cancelled`);
  return results;
}
