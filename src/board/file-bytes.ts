import { close, closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { BoardError } from './errors.ts';
import { piecesLength, samePieces } from './pieces.ts';
import type { Pieces } from './pieces.ts';

// Reading a board file's bytes: whole, into a buffer kept for reading, and checking that it
// holds what was just written. The file edge (file.ts) decides what to do with them.

/** The file's bytes, read at once; a missing or unreadable file is a board error that names it. */
export function readBytesNow(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw _fileError(path, error);
  }
}

/** The file opened for reading, to read it and to see later whether someone wrote into it. */
export function openForEditing(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw _fileError(path, error);
  }
}

/**
 * Closes a file opened for editing without waiting for it. After an update the descriptor is
 * the last reference to the file it replaced, and closing it frees that file's pages and blocks:
 * a millisecond or more, which the update need not wait for (nothing reads the descriptor again).
 * An error closing a descriptor only read from has no one to tell and nothing to undo.
 */
export function closeLater(fd: number): void {
  close(fd, () => {});
}

/** All the bytes of the open file, in a new buffer (kept by the caller). */
export function readAll(fd: number): Buffer {
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
  // Read whole at the first try, as nearly always: no second megabyte to copy it into.
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * A buffer reused to read a board into (grown as needed): a fresh megabyte for every read
 * costs about a millisecond of page faults here. What is read into it is used at once, with
 * no await between, and copied if kept.
 */
let scratch: Buffer = Buffer.allocUnsafe(0);

/** Reads the whole file into `scratch`; the view is valid until the next read into it. */
export function readIntoScratch(fd: number): Buffer {
  const size = Number(fstatSync(fd).size);
  let n = 0;
  for (;;) {
    if (scratch.length < n + 4096 || scratch.length < size + 1) scratch = grownScratch(Math.max(size + 1, n + 4096));
    const got = readSync(fd, scratch, n, scratch.length - n, n);
    if (got === 0) return scratch.subarray(0, n);
    n += got;
  }
}

function grownScratch(needed: number): Buffer {
  const grown = Buffer.allocUnsafe(needed + (needed >> 3));
  scratch.copy(grown);
  return grown;
}

/** True when the file at `path` holds exactly `pieces` (read into `scratch`). */
export function holdsExactly(path: string, pieces: Pieces): boolean {
  const length = piecesLength(pieces);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    if (Number(fstatSync(fd).size) !== length) return false;
    // One byte more than expected: a file that grew since the stat is not equal either.
    if (scratch.length < length + 1) scratch = Buffer.allocUnsafe(length + 1 + (length >> 3));
    let n = 0;
    for (let got = -1; got !== 0 && n <= length; n += got) got = readSync(fd, scratch, n, scratch.length - n, n);
    return n === length && samePieces(scratch.subarray(0, n), pieces);
  } finally {
    closeSync(fd);
  }
}

/** Internal: a file system error as a board error that names the path. */
export function _fileError(path: string, error: unknown): BoardError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new BoardError('FILE_NOT_FOUND', `${path}: no such file`, { path });
  if (code === 'EISDIR') return new BoardError('NOT_A_BOARD', `${path}: is a directory, not a board file`, { path });
  return new BoardError('FILE_NOT_FOUND', `${path}: cannot read (${code ?? String(error)})`, { path });
}
