import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writePieces } from './pieces.ts';
import type { Pieces } from './pieces.ts';

/**
 * Writes data to a new temp file beside `path` (same directory, so a rename is atomic) with
 * the given mode (set explicitly: the umask must not change a board's mode), and fsyncs it.
 */
export function writeTempBeside(path: string, data: string | Uint8Array | Pieces, mode: number): string {
  const temp = tempBeside(path);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    fchmodSync(fd, mode);
    if (typeof data === 'string') writeSync(fd, data);
    else if (data instanceof Uint8Array) writeSync(fd, data);
    else writePieces(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** A new temp file's name beside `path`: same directory, so a rename is atomic. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Fsyncs a directory so a rename in it survives a crash; a no-op where that is not possible. */
export function syncDirectory(dir: string): void {
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

/** Removes a file if it is there. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Replaces a file's content atomically, keeping its mode: readers see the old or the new file, never a part. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    // A new file gets the default mode.
  }
  const temp = writeTempBeside(path, data, mode);
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
  syncDirectory(dirname(path));
}
