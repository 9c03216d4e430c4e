import { createHash } from 'node:crypto';
import { writevSync } from 'node:fs';

/**
 * Bytes kept as the pieces they are made of: a write's unchanged start and end are views into
 * the bytes just read, and joining them would copy a megabyte (into fresh memory) only to hash
 * it, write it and compare it, which all take pieces as well.
 */
export type Pieces = readonly Uint8Array[];

/** Total length in bytes. */
export function piecesLength(pieces: Pieces): number {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return length;
}

/** True when `bytes` are the pieces, one after the other. */
export function samePieces(bytes: Uint8Array, pieces: Pieces): boolean {
  if (bytes.length !== piecesLength(pieces)) return false;
  let at = 0;
  for (const piece of pieces) {
    if (Buffer.compare(piece, bytes.subarray(at, at + piece.length)) !== 0) return false;
    at += piece.length;
  }
  return true;
}

/** The sha256 of the pieces, in hex: the same as of the joined bytes. */
export function hashPieces(pieces: Pieces): string {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  return hash.digest('hex');
}

/** Writes all the pieces at the file's position (one system call, unless the system writes less). */
export function writePieces(fd: number, pieces: Pieces): void {
  let left = pieces.filter((piece) => piece.length > 0);
  while (left.length > 0) {
    let written = writevSync(fd, left);
    if (written === 0) throw new Error('a write made no progress');
    // A short write: drop what went out and write the rest.
    while (left.length > 0 && written >= left[0]!.length) written -= left.shift()!.length;
    if (left.length > 0 && written > 0) left[0] = left[0]!.subarray(written);
  }
}

/** Bytes `[start, end)` of the pieces, as views into them. */
export function slicePieces(pieces: Pieces, start: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const piece of pieces) {
    const from = Math.max(start - at, 0);
    const to = Math.min(end - at, piece.length);
    if (from < to) out.push(piece.subarray(from, to));
    at += piece.length;
  }
  return out;
}
