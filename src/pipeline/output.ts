import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What a committed output holds: where it is, how many lines and bytes, and its sha256. */
export interface OutputSummary {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

const FLUSH_AT = 1 << 20;

/**
 * A JSONL file written all or nothing: lines go to a temp file beside the target, and only
 * `commit()` renames it into place. `abort()` (on an error or Ctrl-C) removes the temp file,
 * so a cancelled run never leaves a half-written output or clobbers the previous one.
 */
export class JsonlOutput {
  private readonly hash: Hash = createHash('sha256');
  private pending: string[] = [];
  private pendingLength = 0;
  private fd: number | null;
  rows = 0;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly temp: string,
  ) {
    this.fd = openSync(temp, 'wx', 0o644);
  }

  /** Starts an output at `path`, creating its directory. */
  static open(path: string): JsonlOutput {
    mkdirSync(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
    return new JsonlOutput(path, temp);
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    this.pending.push(line);
    this.pendingLength += line.length + 1;
    this.rows++;
    if (this.pendingLength >= FLUSH_AT) this.flush();
  }

  /** Writes what is buffered, fsyncs, and renames the file into place. */
  commit(): OutputSummary {
    this.flush();
    const fd = this.take();
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.temp, this.path);
    return { path: this.path, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Drops the output: the temp file is removed and the target is left as it was. */
  abort(): void {
    if (this.fd === null) return;
    closeSync(this.take());
    try {
      unlinkSync(this.temp);
    } catch {
      // Already gone.
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(`${this.pending.join('\n')}\n`, 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const fd = this.fd ?? this.closed();
    for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
  }

  private take(): number {
    const fd = this.fd ?? this.closed();
    this.fd = null;
    return fd;
  }

  private closed(): never {
    throw new Error(`${this.path}: output already committed or aborted`);
  }
}

/**
 * Runs `body` with outputs opened by `open`, committing them all when it returns and aborting
 * them all when it throws (an error or a cancellation), so no half-written file is left.
 */
export async function withOutputs<T>(body: (open: (path: string) => JsonlOutput) => Promise<T>): Promise<{ result: T; outputs: OutputSummary[] }> {
  const opened: JsonlOutput[] = [];
  try {
    const result = await body((path) => {
      const output = JsonlOutput.open(path);
      opened.push(output);
      return output;
    });
    return { result, outputs: opened.map((output) => output.commit()) };
  } catch (error) {
    for (const output of opened) output.abort();
    throw error;
  }
}
