import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '../errors.ts';
import type { PipelineErrorCode } from '../errors.ts';
import { TokenCounter } from '../tokens.ts';
import type { TokenEncoding } from '../tokens.ts';
import { auditRange } from './range.ts';
import type { RangeResult, RangeTask } from './range.ts';
import type { ToWorker, WorkerMessage } from './worker.ts';

/** Files smaller than this are audited on the main thread: starting workers would cost more. */
export const THREADED_MIN_BYTES = 8 << 20;
/** About how much of a file one range task holds: small enough that threads finish together. */
export const RANGE_BYTES = 8 << 20;

/** How many threads an audit uses by default: every core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Runs range tasks on `threads` threads, this one included, and hands their results to
 * `onResult` in task order, each as soon as it and those before it are done (held all to the
 * end, a near-duplicate audit's signatures were 40 MB more at its peak). Every thread takes the
 * next task when it is done with one, so this thread, which starts at once, takes more of them
 * while a new worker starts. The signal stops every thread; the first failure stops the others
 * and rejects with its code.
 */
export async function runRanges(
  tasks: readonly RangeTask[],
  threads: number,
  signal: AbortSignal | undefined,
  onBytes: (bytes: number) => void,
  onResult: (result: RangeResult) => void,
): Promise<void> {
  const done = new Map<number, RangeResult>();
  let handed = 0;
  const finished = (index: number, result: RangeResult) => {
    done.set(index, result);
    for (let next = done.get(handed); next; next = done.get(handed)) {
      done.delete(handed++);
      onResult(next);
    }
  };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: unknown = null;
  const fail = (error: unknown) => {
    failure ??= error;
    stop.abort();
  };
  const here = async () => {
    while (next < tasks.length && !stop.signal.aborted) {
      const index = next++;
      finished(index, await auditRange(tasks[index]!, onBytes, stop.signal));
    }
  };
  const onWorker = async () => {
    if (next >= tasks.length) return;
    const worker = pool.take();
    let healthy = true;
    try {
      while (next < tasks.length && !stop.signal.aborted) {
        const index = next++;
        finished(index, await runOnWorker(worker, tasks[index]!, onBytes, stop.signal));
      }
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      // A worker stopped in the middle of a task, or failed, is ended; an idle one goes back.
      if (healthy) pool.give(worker);
      else void worker.terminate();
    }
  };
  const lanes = [here(), ...Array.from({ length: Math.min(threads - 1, tasks.length - 1) }, onWorker)];
  // Every lane ends before this returns: none goes on reading after a failure or a cancel.
  await Promise.all(lanes.map((lane) => lane.catch(fail)));
  signal?.removeEventListener('abort', onAbort);
  if (signal?.aborted) throw new PipelineError('CANCELLED', `${tasks[0]?.path ?? 'audit'}: cancelled`);
  if (failure) throw failure;
}

/** One task on a worker: its progress reported, its result or failure as a promise. */
function runOnWorker(worker: Worker, task: RangeTask, onBytes: (bytes: number) => void, stop: AbortSignal): Promise<RangeResult> {
  return new Promise<RangeResult>((resolve, reject) => {
    const settle = (error: PipelineError | null, result?: RangeResult) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      stop.removeEventListener('abort', onStop);
      if (error) reject(error);
      else resolve(result!);
    };
    const failed = (code: PipelineErrorCode, message: string) => settle(new PipelineError(code, message, { path: task.path }));
    const onMessage = (message: WorkerMessage) => {
      if (message.kind === 'bytes') onBytes(message.bytes);
      else if (message.kind === 'warm') sendSegments(worker, message.encoding);
      else if (message.kind === 'error') failed(message.code as PipelineErrorCode, message.message);
      else settle(null, message.result);
    };
    const onError = (error: Error & { code?: string }) =>
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? failed('OUT_OF_MEMORY', `${task.path}: an audit worker ran out of memory (a row too large to hold)`)
        : failed('READ_FAILED', `${task.path}: audit worker failed: ${error.message}`);
    const onExit = () => failed('READ_FAILED', `${task.path}: audit worker stopped`);
    // A stop (a cancel, or another thread's failure) ends the task at once; the caller ends the worker.
    const onStop = () => failed('CANCELLED', `${task.path}: cancelled`);
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    stop.addEventListener('abort', onStop, { once: true });
    worker.postMessage({ kind: 'task', task } satisfies ToWorker);
  });
}

/** This thread's cached segments of an encoding, to a worker that has none. */
function sendSegments(worker: Worker, encoding: TokenEncoding): void {
  const cache = TokenCounter.shared(encoding).cachedSegments();
  worker.postMessage({ kind: 'segments', encoding, cache } satisfies ToWorker, [cache.bytes.buffer as ArrayBuffer]);
}

/** Idle workers are ended after this long, giving back their memory (the tokenizer's tables). */
const IDLE_MS = 30_000;

/**
 * Audit workers kept between audits: each pays its start-up once (tsx loading the modules,
 * and the tokenizer's tables when a segment is not in the cache it was sent), and keeps its
 * caches of token counts. An idle worker does not keep the process alive, and ends after IDLE_MS.
 */
class WorkerPool {
  readonly #idle: Worker[] = [];
  #timer: NodeJS.Timeout | null = null;

  take(): Worker {
    const worker = this.#idle.pop() ?? this.#start();
    worker.ref();
    return worker;
  }

  give(worker: Worker): void {
    worker.unref();
    this.#idle.push(worker);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      for (const idle of this.#idle.splice(0)) void idle.terminate();
    }, IDLE_MS);
    this.#timer.unref();
  }

  #start(): Worker {
    // A streaming pass needs little heap: a small young generation makes the worker collect early
    // instead of growing. The old generation has no cap: a worker that reaches one may abort the
    // whole process instead of ending alone (nodejs/node#47224; a row of 2 million objects did).
    const worker = new Worker(new URL('./worker-entry.cjs', import.meta.url), { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    // A worker that dies while idle leaves the pool.
    worker.once('exit', () => {
      const at = this.#idle.indexOf(worker);
      if (at !== -1) this.#idle.splice(at, 1);
    });
    return worker;
  }
}

const pool = new WorkerPool();
