import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes data to a new temp file beside `path` (same directory, so a rename is atomic) and fsyncs it. */
export function writeTempBeside(path: string, data: string | Uint8Array, mode: number): string {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Renames a temp file into place and fsyncs the directory, so the rename survives a crash. */
export function renameIntoPlace(temp: string, path: string): void {
  renameSync(temp, path);
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
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
  renameIntoPlace(writeTempBeside(path, data, mode), path);
}
