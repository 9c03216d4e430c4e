import { appendFileSync, closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_BYTES = 1 << 20;
/** How long a line may wait in memory before it is written. */
const FLUSH_MS = 200;

/**
 * A run's log file, capped in size so a chatty run cannot fill the disk. Lines wait in memory
 * for up to FLUSH_MS and are written together, synchronously: a short run (a busy daemon starts
 * hundreds a second) costs one write when it ends, rather than three trips through the thread
 * pool (open, write, close); a long run's lines reach the file, for the web view to follow, as
 * it goes. Once `close` resolves every line is in the file.
 *
 * `takeOver`: the file of an old log to reuse, renamed to `path` at the first write (see `RunLogs`).
 */
export class RunLog {
  #waiting: Buffer[] = [];
  #timer: NodeJS.Timeout | null = null;
  #bytes = 0;
  #takeOver: string | null;

  /** `closed` is told once every line is in the file (and awaited by `close`). */
  constructor(
    readonly path: string,
    private readonly closed: (path: string) => Promise<void> = async () => {},
    takeOver: string | null = null,
  ) {
    this.#takeOver = takeOver;
  }

  write(text: string): void {
    if (this.#bytes >= MAX_BYTES) return;
    const chunk = Buffer.from(text, 'utf8');
    const room = MAX_BYTES - this.#bytes;
    this.#waiting.push(chunk.length <= room ? chunk : Buffer.concat([chunk.subarray(0, room), Buffer.from('\n[log truncated at 1 MB]\n')]));
    this.#bytes += chunk.length;
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  /** Resolves once every line written is in the file (or the file could not be written). */
  async close(): Promise<void> {
    this.#flush();
    await this.closed(this.path);
  }

  /** Writes the lines waiting after those written before. */
  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // A log taken over is written even with no line: it must not keep the old run's.
    if (this.#waiting.length === 0 && this.#takeOver === null) return;
    const lines = Buffer.concat(this.#waiting);
    this.#waiting = [];
    try {
      if (this.#takeOver !== null && this.#tookOver(this.#takeOver, lines)) return;
      appendFileSync(this.path, lines);
    } catch {
      // A log that cannot be written (the runs directory removed) must not end the run; its lines are dropped.
    }
  }

  /** Renames the old log to this one's path and writes the lines over its text; false when it is gone. */
  #tookOver(old: string, lines: Buffer): boolean {
    this.#takeOver = null;
    try {
      renameSync(old, this.path);
    } catch {
      return false;
    }
    // Written over, then cut to length: the file keeps its blocks rather than freeing them all and taking new ones.
    const fd = openSync(this.path, 'r+');
    try {
      writeSync(fd, lines, 0, lines.length, 0);
      ftruncateSync(fd, lines.length);
    } finally {
      closeSync(fd);
    }
    return true;
  }
}

/**
 * The runs directory: a log a run, at most `keep` of them, finished or being written (a daemon
 * that runs for weeks starts thousands of runs); the oldest finished ones go first, at start and
 * as runs end. A log still being written is never removed, however old. Once the directory is
 * full, a new run's log takes over the oldest finished one's file (renamed) instead of adding a
 * file and removing another: a busy daemon ends hundreds of runs a second, and on a file system
 * such as ext4 without a journal, a file made where many were removed a moment before costs a
 * search past every one of them.
 */
export class RunLogs {
  /** Finished logs, oldest first. */
  #finished: string[] = [];
  /** Logs being written. */
  #open = 0;

  constructor(
    readonly dir: string,
    private readonly keep = 500,
  ) {}

  /** Makes the directory and keeps the newest `keep` logs a previous process left. */
  prepare(): void {
    mkdirSync(this.dir, { recursive: true });
    const logs = readdirSync(this.dir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => ({ path: join(this.dir, name), at: statSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => a.at - b.at);
    const over = Math.max(0, logs.length - this.keep);
    for (const { path } of logs.slice(0, over)) unlinkSync(path);
    this.#finished = logs.slice(over).map((log) => log.path);
  }

  /** Where a run's log is. */
  pathOf(runId: string): string {
    return join(this.dir, `${runId}.log`);
  }

  /** A new log for the run, in the oldest finished log's file when the directory is full; once closed, it counts among the finished. */
  open(runId: string): RunLog {
    const oldest = this.#finished.length + this.#open >= this.keep ? (this.#finished.shift() ?? null) : null;
    this.#open++;
    return new RunLog(this.pathOf(runId), (path) => this.#closed(path), oldest);
  }

  async #closed(path: string): Promise<void> {
    this.#open--;
    this.#finished.push(path);
    // Over `keep` only when logs were made while every kept one was still being written.
    const over = this.#finished.splice(0, Math.max(0, this.#finished.length + this.#open - this.keep));
    // A log already gone (removed by hand) is no matter.
    await Promise.all(over.map((old) => unlink(old).catch(() => {})));
  }
}
