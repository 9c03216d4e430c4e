import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { applyEdit } from './edits.ts';
import type { Edit, EditResult } from './edits.ts';
import { BoardError, EditConflict } from './errors.ts';
import { parseBoard } from './parse.ts';
import type { Board } from './types.ts';

/** A structured log line from the board's file edge. */
export type BoardLog = (event: { level: 'info' | 'warn'; message: string } & Record<string, unknown>) => void;

/** An edit that was not applied because a human changed the card first. */
export interface DroppedEdit {
  edit: Edit;
  reason: string;
  message: string;
}

/** What `update` did: the edits that took, the ones dropped, and the board as written. */
export interface UpdateOutcome {
  board: Board;
  applied: EditResult[];
  dropped: DroppedEdit[];
  written: boolean;
  attempts: number;
}

const MAX_ATTEMPTS = 20;
const OWN_WRITES_KEPT = 64;

/** The sha256 of a text as UTF-8, the way Quimbot recognises its own writes. */
export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A board file on disk. Every update re-reads the latest bytes, re-applies the edits by card
 * identity, writes a temp file beside it, fsyncs and renames, then reads back to check that
 * the edits landed. Human changes made in between win.
 */
export class BoardFile {
  readonly #ownWrites: string[] = [];

  constructor(
    readonly path: string,
    private readonly log: BoardLog = () => {},
  ) {}

  /** Reads and parses the board; a missing, binary or column-less file is a clear error. */
  async read(): Promise<Board> {
    return decodeBoard(this.path, await readBytes(this.path));
  }

  /** True when the text (or its hash) is what this process last wrote: not a human edit. */
  isOwnWrite(textOrHash: string): boolean {
    const hash = /^[0-9a-f]{64}$/.test(textOrHash) ? textOrHash : contentHash(textOrHash);
    return this.#ownWrites.includes(hash);
  }

  /** Applies edits to the latest file, writing atomically; conflicting edits are dropped and logged. */
  async update(edits: readonly Edit[]): Promise<UpdateOutcome> {
    let pending = [...edits];
    let recovered: string | null = null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const fd = openForEditing(this.path);
      try {
        const before = fstatSync(fd, { bigint: true });
        const bytes = readAll(fd);
        const current = decodeBoard(this.path, bytes, true);
        const base = recovered ?? current.text;
        recovered = null;
        const { text, applied, dropped, pinned } = this.#apply(base, pending);
        pending = pinned;
        if (text === current.text) {
          return { board: parseBoard(text), applied, dropped, written: false, attempts: attempt };
        }
        if (!this.#replace(text, before)) continue;
        // A writer that appended to the old file after our check wrote into the inode we just
        // replaced: take its text back and apply our edits to it again.
        const after = fstatSync(fd, { bigint: true });
        if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) {
          recovered = new TextDecoder().decode(readAll(fd));
          this.log({ level: 'warn', message: 'board changed during write; re-applying on top', path: this.path });
          continue;
        }
        if (await this.#landed(pending)) {
          for (const drop of dropped) this.log({ level: 'warn', message: `edit dropped: ${drop.message}`, reason: drop.reason, path: this.path });
          return { board: parseBoard(text), applied, dropped, written: true, attempts: attempt };
        }
        this.log({ level: 'warn', message: 'write was overwritten before it could be read back; retrying', path: this.path });
      } finally {
        closeSync(fd);
      }
    }
    throw new BoardError('WRITE_FAILED', `${this.path}: the file kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
  }

  #apply(text: string, edits: readonly Edit[]) {
    const applied: EditResult[] = [];
    const dropped: DroppedEdit[] = [];
    const pinned: Edit[] = [];
    for (const edit of edits) {
      try {
        const result = applyEdit(text, edit);
        applied.push(result);
        pinned.push(edit.kind === 'add' && result.cardId ? { ...edit, id: result.cardId } : edit);
        text = result.text;
      } catch (error) {
        if (!(error instanceof EditConflict)) throw error;
        dropped.push({ edit, reason: error.reason, message: error.message });
      }
    }
    return { text, applied, dropped, pinned };
  }

  /** Writes temp + fsync, then renames only if the file is still the one we read. */
  #replace(text: string, expected: { ino: bigint; size: bigint; mtimeNs: bigint; mode: bigint }): boolean {
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(temp, 'wx', Number(expected.mode & 0o7777n));
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Check and rename back to back, with no await between, to keep the race window tiny.
    const now = statSync(this.path, { bigint: true });
    if (now.ino !== expected.ino || now.size !== expected.size || now.mtimeNs !== expected.mtimeNs) {
      unlinkSync(temp);
      return false;
    }
    this.#remember(contentHash(text));
    renameSync(temp, this.path);
    syncDirectory(dirname(this.path));
    return true;
  }

  /** Re-applying every edit to what is on disk now changes nothing: they all landed (or lost to a human). */
  async #landed(edits: readonly Edit[]): Promise<boolean> {
    const text = decodeBoard(this.path, await readBytes(this.path), true).text;
    return edits.every((edit) => {
      try {
        return !applyEdit(text, edit).changed;
      } catch (error) {
        return error instanceof EditConflict;
      }
    });
  }

  #remember(hash: string): void {
    this.#ownWrites.push(hash);
    if (this.#ownWrites.length > OWN_WRITES_KEPT) this.#ownWrites.shift();
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw fileError(path, error);
  }
}

function openForEditing(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
}

function readAll(fd: number): Uint8Array {
  const size = Number(fstatSync(fd).size);
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.max(size - position, 0) + 4096);
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    position += n;
  }
  return Buffer.concat(chunks);
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * Decodes and parses board bytes. Text that is not valid UTF-8 can be shown but not edited:
 * writing it back would change bytes the human never touched.
 */
export function decodeBoard(path: string, bytes: Uint8Array, forEditing = false): Board {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new BoardError('BINARY_FILE', `${path}:${lineAt(bytes, nul)}: binary data (a NUL byte); not a Markdown board`, { path });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (forEditing) {
      const at = firstInvalidUtf8(bytes);
      throw new BoardError('NOT_UTF8', `${path}:${lineAt(bytes, at)}: not valid UTF-8; run \`quimbot doctor ${path}\` before editing`, { path });
    }
    text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  }
  const board = parseBoard(text);
  if (board.columns.length === 0) {
    throw new BoardError(
      'NOT_A_BOARD',
      `${path}:1: no column headings found; expected "## Backlog", "## In Progress", "## Done" or similar`,
      { path },
    );
  }
  return board;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

function fileError(path: string, error: unknown): BoardError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new BoardError('FILE_NOT_FOUND', `${path}: no such file`, { path });
  if (code === 'EISDIR') return new BoardError('NOT_A_BOARD', `${path}: is a directory, not a board file`, { path });
  return new BoardError('FILE_NOT_FOUND', `${path}: cannot read (${code ?? String(error)})`, { path });
}
