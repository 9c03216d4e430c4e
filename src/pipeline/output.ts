import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PipelineError } from './errors.ts';

/** What a committed output holds: where it is, how many lines and bytes, and its sha256. */
export interface OutputSummary {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

const FLUSH_AT = 1 << 20;

/** A temp file's name beside the file it will become. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

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
  private sealed: OutputSummary | null = null;
  private finished = false;
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
    return new JsonlOutput(path, tempBeside(path));
  }

  /** The temp file the lines go to: complete once `seal()` has returned, gone after `commit()` or `abort()`. */
  get stagedPath(): string {
    return this.temp;
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    if (this.fd === null) this.closed();
    this.pending.push(line);
    this.pendingLength += line.length + 1;
    this.rows++;
    if (this.pendingLength >= FLUSH_AT) this.flush();
  }

  /**
   * Ends the writing: what is buffered is written and fsynced, and the summary (with the
   * sha256) is final, while the file is still only at `stagedPath`. Again returns the same summary.
   */
  seal(): OutputSummary {
    if (this.sealed) return this.sealed;
    this.flush();
    const fd = this.take();
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.sealed = { path: this.path, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
    return this.sealed;
  }

  /** Seals the output and renames it into place. */
  commit(): OutputSummary {
    const summary = this.seal();
    if (this.finished) this.closed();
    renameSync(this.temp, this.path);
    this.finished = true;
    return summary;
  }

  /** Drops the output: the temp file is removed and the target is left as it was. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.fd !== null) closeSync(this.take());
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
    throw new Error(`${this.path}: output already sealed, committed or aborted`);
  }
}

/** A small text file committed with a run's outputs, such as the manifest that describes them. */
export interface AttachedFile {
  path: string;
  text: string;
}

/** What a run's body gets from `withOutputs`. */
export interface Outputs {
  /** Starts a JSONL output at `path`, written to a temp file beside it until the commit. */
  open(path: string): JsonlOutput;
  /**
   * A text file committed with the outputs, once they are in place: a manifest that describes
   * them. A previous file at `path` is removed before any output is renamed, so a manifest
   * beside an output is never one written for other bytes.
   */
  attach(path: string, text: string): void;
  /**
   * A file already complete at `finished` (built in a staging directory on the same file
   * system) renamed to `path` with the outputs. Until the commit `finished` is the caller's.
   */
  place(finished: string, path: string): void;
  /**
   * A file removed at the commit: an earlier output the attached manifest no longer lists.
   * It goes before the previous attached files do, so a run stopped in between still has the
   * previous manifest naming every file of its own that is left.
   */
  remove(path: string): void;
}

/**
 * Runs `body` with outputs, then commits them all (with the files it placed, removed and
 * attached); when it throws (an error or a cancellation) it aborts them all, so no
 * half-written file is left and the previous files stay. The commit point is right after
 * `body` returns: a `signal` aborted by then rejects with CANCELLED and changes nothing on
 * disk; from there on the renames run without a pause, so a later cancel finds the run complete. The body does everything that may be cancelled
 * (reading, hashing the inputs, auditing a sealed output) before it returns.
 */
export async function withOutputs<T>(body: (outputs: Outputs) => Promise<T>, options: { signal?: AbortSignal | undefined } = {}): Promise<{ result: T; outputs: OutputSummary[] }> {
  const opened: JsonlOutput[] = [];
  const attached: AttachedFile[] = [];
  const placed: Array<{ finished: string; path: string }> = [];
  const removed: string[] = [];
  const staged: string[] = [];
  try {
    const result = await body({
      open: (path) => {
        const output = JsonlOutput.open(path);
        opened.push(output);
        return output;
      },
      attach: (path, text) => void attached.push({ path, text }),
      place: (finished, path) => void placed.push({ finished, path }),
      remove: (path) => void removed.push(path),
    });
    const first = opened[0]?.path ?? placed[0]?.path ?? attached[0]?.path ?? 'output';
    if (options.signal?.aborted) throw new PipelineError('CANCELLED', `${first}: cancelled; nothing was replaced`);
    // From here on nothing awaits: the outputs are sealed and the attached files written
    // beside their targets; then the files no longer wanted go, the previous attached files
    // go, everything is renamed, the attached files last.
    for (const output of opened) output.seal();
    for (const file of attached) {
      mkdirSync(dirname(file.path), { recursive: true });
      staged.push(tempBeside(file.path));
      writeNew(staged.at(-1)!, file.text);
    }
    for (const path of removed) rmSync(path, { force: true });
    for (const file of attached) rmSync(file.path, { force: true });
    const outputs = opened.map((output) => output.commit());
    for (const file of placed) mkdirSync(dirname(file.path), { recursive: true });
    for (const file of placed) renameSync(file.finished, file.path);
    attached.forEach((file, i) => renameSync(staged[i]!, file.path));
    return { result, outputs };
  } catch (error) {
    for (const output of opened) output.abort();
    for (const temp of staged) rmSync(temp, { force: true });
    throw error;
  }
}

/** Writes and fsyncs `text` to a file that must not exist yet. */
function writeNew(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
