import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { appendFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_BYTES = 1 << 20;
/** How long a line may wait in memory before it is written. */
const FLUSH_MS = 200;

/**
 * A run's log file, capped in size so a chatty run cannot fill the disk. Lines wait in memory
 * for up to FLUSH_MS and are appended together, off the event loop and in order: a short run
 * (a busy daemon starts hundreds a second) costs one append when it ends, not a stream's open,
 * writes and close; a long run's lines reach the file, for the web view to follow, as it goes.
 * `close` resolves once every line is in the file.
 */
export class RunLog {
  #waiting: Buffer[] = [];
  #timer: NodeJS.Timeout | null = null;
  #written: Promise<void> = Promise.resolve();
  #bytes = 0;

  /** `closed` is told once every line is in the file (and awaited by `close`). */
  constructor(
    readonly path: string,
    private readonly closed: (path: string) => Promise<void> = async () => {},
  ) {}

  write(text: string): void {
    if (this.#bytes >= MAX_BYTES) return;
    const chunk = Buffer.from(text, 'utf8');
    const room = MAX_BYTES - this.#bytes;
    this.#waiting.push(chunk.length <= room ? chunk : Buffer.concat([chunk.subarray(0, room), Buffer.from('\n[log truncated at 1 MB]\n')]));
    this.#bytes += chunk.length;
    this.#timer ??= setTimeout(() => void this.#flush(), FLUSH_MS);
  }

  /** Resolves once every line written is in the file (or the file could not be written). */
  async close(): Promise<void> {
    await this.#flush();
    await this.closed(this.path);
  }

  /** Appends the lines waiting, after every earlier append. */
  #flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#waiting.length > 0) {
      const lines = Buffer.concat(this.#waiting);
      this.#waiting = [];
      // A log that cannot be written (the runs directory removed) must not end the run; its lines are dropped.
      this.#written = this.#written.then(() => appendFile(this.path, lines)).catch(() => {});
    }
    return this.#written;
  }
}

/**
 * The runs directory: a log a run, of which the newest `keep` finished ones are kept, at start
 * and as runs end (a daemon that runs for weeks starts thousands of runs). A log still being
 * written is never removed, however old.
 */
export class RunLogs {
  /** Finished logs, oldest first. */
  #finished: string[] = [];

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

  /** A new log for the run; once closed, it counts among the finished logs kept. */
  open(runId: string): RunLog {
    return new RunLog(this.pathOf(runId), (path) => this.#closed(path));
  }

  async #closed(path: string): Promise<void> {
    this.#finished.push(path);
    const over = this.#finished.splice(0, Math.max(0, this.#finished.length - this.keep));
    // A log already gone (removed by hand) is no matter.
    await Promise.all(over.map((old) => unlink(old).catch(() => {})));
  }
}
