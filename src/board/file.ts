import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { fstatSync, renameSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syncDirectory, unlinkQuietly, writeTempBeside } from './atomic.ts';
import { encodeChange } from './change.ts';
import { closeLater, holdsExactly, openForEditing, readAll, readBytesNow, readIntoScratch } from './file-bytes.ts';
import { hashPieces, piecesLength, samePieces } from './pieces.ts';
import type { Pieces } from './pieces.ts';
import { applyEdit, applyLeadingEdits } from './edits.ts';
import type { Edit, EditResult } from './edits.ts';
import { LazyOutcome, share } from './outcome.ts';
import type { DroppedEdit, UpdateOutcome } from './outcome.ts';
import { BoardError, EditConflict } from './errors.ts';
import { changeSince, parseBoard } from './parse.ts';
import type { Board } from './types.ts';

/** A structured log line from the board's file edge. */
export type BoardLog = (event: { level: 'info' | 'warn'; message: string } & Record<string, unknown>) => void;

const MAX_ATTEMPTS = 20;
const OWN_WRITES_KEPT = 64;

/** The sha256 of a text as UTF-8, the way Quimbot recognises its own writes. */
export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What this process wrote to each board path: the hash written and the hash of the bytes it was
 * written over (null when the text merged in bytes no reader saw at the path). Shared by every
 * `BoardFile` of a path, so a tool's write is recognised by the daemon's watcher too.
 */
const ownWrites = new Map<string, Array<{ hash: string; base: string | null }>>();

/**
 * Internal, for the watcher: the hash an own write was applied to, `null` if it merged text
 * recovered from a replaced file, `undefined` if `hash` is not an own write.
 */
export function _ownWriteBase(path: string, hash: string): string | null | undefined {
  return ownWrites.get(resolve(path))?.find((w) => w.hash === hash)?.base;
}

/**
 * A board file on disk. Every update re-reads the latest bytes, re-applies the edits by card
 * identity, writes a temp file beside it, fsyncs and renames, then reads back to check that
 * the edits landed. Human changes made in between win.
 */
export class BoardFile {
  /** Updates asked for while one is being written: they go together in the next write. */
  #waiting: Array<{ edits: readonly Edit[]; resolve: (outcome: UpdateOutcome) => void; reject: (error: unknown) => void }> = [];
  #writing = false;

  constructor(
    readonly path: string,
    private readonly log: BoardLog = () => {},
  ) {}

  /** Reads and parses the board; a missing, binary or column-less file is a clear error. */
  async read(): Promise<Board> {
    // Read at once: a board is at most a few megabytes, and an async read is four trips through
    // the thread pool (open, stat, read, close), each waiting its turn behind the fsyncs.
    return decodeBoard(this.path, readBytesNow(this.path));
  }

  /** True when the text (or its hash) is what this process recently wrote: not a human edit. */
  isOwnWrite(textOrHash: string): boolean {
    const hash = /^[0-9a-f]{64}$/.test(textOrHash) ? textOrHash : contentHash(textOrHash);
    return _ownWriteBase(this.path, hash) !== undefined;
  }

  /**
   * Applies edits to the latest file, writing atomically; conflicting edits are dropped and
   * logged. One update at a time per file object, each starting from the other's result; the
   * updates asked for while one is written share the next write (a group commit: one read,
   * one fsync and one rename for a burst of claims), each told only of its own edits.
   */
  update(edits: readonly Edit[]): Promise<UpdateOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ edits, resolve, reject });
      if (this.#writing) return;
      this.#writing = true;
      // Started on the next turn of the event loop: the updates asked for in this one (claims
      // resumed by the same state write, outcomes of one stream) join the first write too.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0);
        if (group.length > 1) {
          try {
            const { outcome, edits } = await this.#update(group.flatMap((g) => g.edits));
            let from = 0;
            for (const { edits: own, resolve } of group) {
              resolve(share(outcome, edits, from, from + own.length));
              from += own.length;
            }
            continue;
          } catch (error) {
            // A file that kept changing under every attempt fails them all alike.
            if (error instanceof BoardError && error.code === 'WRITE_FAILED') {
              for (const { reject } of group) reject(error);
              continue;
            }
            // One caller's bad edit must not fail the others: each goes again on its own.
          }
        }
        for (const { edits, resolve, reject } of group) await this.#update(edits).then(({ outcome }) => resolve(outcome), reject);
      }
    } finally {
      this.#writing = false;
    }
  }

  /** One update; with the outcome, the edits as last applied (same order as given, `add`s pinned to their ids). */
  async #update(edits: readonly Edit[]): Promise<{ outcome: UpdateOutcome; edits: readonly Edit[] }> {
    let pending = [...edits];
    let lost: Lost | null = null;
    // Once we renamed a file into place, the latest bytes may carry our own edits (saved on top by
    // someone else, or merged back): an edit whose effect is already there is not a conflict.
    let wrote = false;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // Someone keeps saving: give them room instead of spinning.
      if (attempt > 2) await sleep(Math.random() * 5 * attempt);
      const fd = openForEditing(this.path);
      try {
        const before = fstatSync(fd, { bigint: true });
        const { text: current, bytes } = readForEditing(this.path, fd);
        if (pending.length === 0 && parseBoard(current).columns.length === 0) throw notABoard(this.path);
        const base = lost ? this.#merge(lost, current) : current;
        const { text, applied, dropped, all, took } = this.#apply(base, pending, wrote);
        pending = all;
        // Nothing to write when no edit changed anything (cheaper than comparing a megabyte of text).
        const unchanged = base === current ? applied.every((result) => !result.changed) : text === current;
        if (unchanged) return { outcome: this.#outcome(text, applied, dropped, false, attempt), edits: pending };

        // Encoded once (only the change, when the edits were applied to the bytes just read): the
        // bytes hashed are the bytes written and compared on reading back.
        const known = base === current ? changeSince(current, text) : null;
        const data = known ? encodeChange(known.before, bytes, known.after, known.change) : [Buffer.from(text, 'utf8')];
        const hash = hashPieces(data);
        this.#remember(hash, base === current ? hashOf(bytes) : null);
        if (!this.#replace(data, before)) continue;
        wroteText(data, text, hash);
        lost = null; // now part of what we wrote
        wrote = true;
        const landed = this.#landed(took, data);
        // A writer that opened the old file before our rename wrote into the inode we replaced
        // (an append, or an editor saving in place): take its text back and apply our edits again.
        const after = fstatSync(fd, { bigint: true });
        if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) {
          lost = { original: bytes, replaced: readAll(fd), replacedMtimeNs: after.mtimeNs, written: text };
          this.log({ level: 'warn', message: 'board changed during write; re-applying on top', path: this.path });
          continue;
        }
        if (landed) return { outcome: this.#outcome(text, applied, dropped, true, attempt), edits: pending };
        this.log({ level: 'warn', message: 'write was overwritten before it could be read back; retrying', path: this.path });
      } finally {
        closeLater(fd);
      }
    }
    throw new BoardError('WRITE_FAILED', `${this.path}: the file kept changing; gave up after ${MAX_ATTEMPTS} attempts`, {
      path: this.path,
    });
  }

  /** Applies every edit in order; a conflict drops the edit, any other error stops the update. */
  #apply(text: string, edits: readonly Edit[], ownTextPossible: boolean) {
    const applied: EditResult[] = [];
    const dropped: DroppedEdit[] = [];
    const all: Edit[] = [];
    const took: Edit[] = [];
    const pin = (edit: Edit, result: EditResult) => (edit.kind === 'add' && result.cardId ? { ...edit, id: result.cardId } : edit);
    for (let n = 0; n < edits.length; ) {
      const group = edits.length - n > 1 ? leadingEdits(text, edits.slice(n)) : null;
      if (group) {
        for (const result of group.results) {
          const pinned = pin(edits[n++]!, result);
          applied.push(result);
          all.push(pinned);
          took.push(pinned);
        }
        text = group.text;
        continue;
      }
      const edit = edits[n++]!;
      try {
        const result = applyEdit(text, edit);
        const pinned = pin(edit, result);
        applied.push(result);
        all.push(pinned);
        took.push(pinned);
        text = result.text;
      } catch (error) {
        if (error instanceof BoardError && error.code === 'NOT_A_BOARD') throw notABoard(this.path);
        if (!(error instanceof EditConflict)) throw error;
        const done = ownTextPossible ? alreadyApplied(text, edit) : null;
        if (done) {
          applied.push(done);
          all.push(edit);
          took.push(edit);
          continue;
        }
        // Kept: the next attempt judges it again against the newer bytes.
        all.push(edit);
        dropped.push({ edit, reason: error.reason, message: error.message });
      }
    }
    return { text, applied, dropped, all, took };
  }

  /**
   * The text to apply the edits to again after a writer wrote into the file we replaced: what
   * that file holds now, plus what was appended to ours since. When ours was rewritten too, an
   * append to the old file is appended to the new one; two whole new versions cannot both be
   * kept: the newer wins, and the other is logged.
   */
  #merge(lost: Lost, current: string): string {
    const { original, replaced } = lost;
    const theirs = decodeText(this.path, replaced);
    if (current === lost.written) return theirs;
    if (current.startsWith(lost.written)) return theirs + current.slice(lost.written.length);
    const length = piecesLength(original);
    const appended = replaced.length >= length && samePieces(replaced.subarray(0, length), original);
    if (appended) return current + decodeText(this.path, replaced.subarray(length));
    const newer = statSync(this.path, { bigint: true }).mtimeNs > lost.replacedMtimeNs ? current : theirs;
    this.log({
      level: 'warn',
      message: 'two versions of the board were saved at once; keeping the newer one',
      path: this.path,
      superseded: newer === current ? theirs : current,
    });
    return newer;
  }

  /** Writes temp + fsync, then renames only if the file is still the one we read. */
  #replace(data: Pieces, expected: { ino: bigint; size: bigint; mtimeNs: bigint; mode: bigint }): boolean {
    const temp = writeTempBeside(this.path, data, Number(expected.mode & 0o7777n));
    let renamed = false;
    try {
      // Check and rename back to back, with no await between, to keep the race window tiny.
      const now = statSync(this.path, { bigint: true });
      if (now.ino !== expected.ino || now.size !== expected.size || now.mtimeNs !== expected.mtimeNs) return false;
      renameSync(temp, this.path);
      renamed = true;
    } finally {
      if (!renamed) unlinkQuietly(temp);
    }
    syncDirectory(dirname(this.path));
    return true;
  }

  /**
   * Re-applying every edit to what is on disk now changes nothing: they all landed (or lost to
   * a human). Read at once, like the update's own read: an await here only lets the window in
   * which someone can replace the file grow.
   */
  #landed(edits: readonly Edit[], written: Pieces): boolean {
    if (holdsExactly(this.path, written)) return true;
    const bytes = readBytesNow(this.path);
    if (samePieces(bytes, written)) return true;
    let text: string;
    try {
      text = decodeText(this.path, bytes);
    } catch {
      return false; // the next attempt reports what is wrong with the file
    }
    return edits.every((edit) => {
      try {
        return !applyEdit(text, edit).changed;
      } catch (error) {
        return error instanceof EditConflict;
      }
    });
  }

  #outcome(text: string, applied: EditResult[], dropped: DroppedEdit[], written: boolean, attempts: number): UpdateOutcome {
    for (const drop of dropped) {
      this.log({ level: 'warn', message: `edit dropped: ${drop.message}`, reason: drop.reason, edit: drop.edit, path: this.path });
    }
    return new LazyOutcome(() => parseBoard(text), applied, dropped, written, attempts);
  }

  #remember(hash: string, base: string | null): void {
    const key = resolve(this.path);
    const writes = ownWrites.get(key) ?? [];
    ownWrites.set(key, writes);
    writes.push({ hash, base });
    if (writes.length > OWN_WRITES_KEPT) writes.shift();
  }
}

/** The leading edits that go as one change (see `applyLeadingEdits`); null when the first goes alone, which also reports an edit that fails. */
function leadingEdits(text: string, edits: readonly Edit[]): { text: string; results: EditResult[] } | null {
  try {
    return applyLeadingEdits(text, edits);
  } catch {
    return null;
  }
}

/** The edit's effect when the text already shows it (the card where it should be, the owner set), else null. */
function alreadyApplied(text: string, edit: Edit): EditResult | null {
  if (edit.kind === 'add' || edit.kind === 'synced' || !edit.expect) return null;
  try {
    const result = applyEdit(text, { ...edit, expect: undefined });
    return result.changed ? null : result;
  } catch {
    return null;
  }
}

/** What was in the inode we replaced, when a writer changed it after our check. */
interface Lost {
  original: Pieces;
  replaced: Uint8Array;
  replacedMtimeNs: bigint;
  written: string;
}

/**
 * The text of the board file open at `fd`, for editing (see `decodeText`), and its bytes:
 * when they are the bytes last decoded or written (as after every update of ours), those are
 * kept already and nothing is copied.
 */
function readForEditing(path: string, fd: number): { text: string; bytes: Pieces } {
  const view = readIntoScratch(fd);
  const text = decodeText(path, view, true);
  return { text, bytes: lastDecoded!.bytes };
}

/**
 * Decodes and parses board bytes. Text that is not valid UTF-8 can be shown but not edited:
 * writing it back would change bytes the human never touched.
 */
export function decodeBoard(path: string, bytes: Uint8Array, forEditing = false): Board {
  const board = parseBoard(forEditing ? decodeText(path, bytes) : decodeLoosely(path, bytes));
  if (board.columns.length === 0) throw notABoard(path);
  return board;
}

/**
 * The text of board bytes for editing: no NUL byte, valid UTF-8 (a BOM is kept as text).
 * `transient` bytes (a view into `scratch`) are copied if they are kept.
 */
function decodeText(path: string, bytes: Uint8Array, transient = false): string {
  const known = knownText(bytes);
  if (known !== null) return known;
  refuseBinary(path, bytes);
  // Validating first (native, in one pass) and then decoding is several times faster than a
  // fatal TextDecoder on a megabyte board; both keep a BOM as text.
  if (isUtf8(bytes)) return utf8Text(bytes, transient);
  const line = lineAt(bytes, firstInvalidUtf8(bytes));
  throw new BoardError('NOT_UTF8', `${path}:${line}: not valid UTF-8; run \`quimbot doctor ${path}\` before editing`, {
    path,
    line,
  });
}

function decodeLoosely(path: string, bytes: Uint8Array): string {
  const known = knownText(bytes);
  if (known !== null) return known;
  refuseBinary(path, bytes);
  return isUtf8(bytes) ? utf8Text(bytes) : new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/**
 * The last board bytes decoded or written, with their text: an update reads back what it
 * wrote, the next update and the watcher read it again, and comparing a megabyte of bytes is
 * much cheaper than checking and decoding it (the parse memo then knows the text too).
 * `checked`: the bytes hold no NUL and are valid UTF-8, as `decodeText` requires.
 */
let lastDecoded: { bytes: Pieces; text: string; hash?: string; checked: boolean } | null = null;

/** The text of `bytes` when they are the checked bytes last decoded or written, else null. */
function knownText(bytes: Uint8Array): string | null {
  return lastDecoded?.checked && samePieces(bytes, lastDecoded.bytes) ? lastDecoded.text : null;
}

/** Checked UTF-8 bytes as text; `transient` bytes are copied if kept. */
function utf8Text(bytes: Uint8Array, transient = false): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  lastDecoded = { bytes: [transient ? Buffer.from(bytes) : bytes], text, checked: true };
  return text;
}

/**
 * Notes the text and hash of bytes just written, so that reading them back needs no checking,
 * decoding or hashing. They are valid UTF-8 as made (checked bytes cut between characters, and
 * encoded text); a NUL an edit wrote is refused when they are read, as before.
 */
function wroteText(bytes: Pieces, text: string, hash: string): void {
  lastDecoded = { bytes, text, hash, checked: bytes.every((piece) => piece.indexOf(0) === -1) };
}

/**
 * The sha256 of board bytes just read (the watcher's), known without hashing when they are the
 * bytes this process last wrote: comparing them costs a tenth of hashing them.
 */
export function hashOfRead(bytes: Uint8Array): string {
  const last = lastDecoded;
  return last?.hash !== undefined && samePieces(bytes, last.bytes) ? last.hash : contentHash(bytes);
}

/** The hash of `bytes`, known without hashing when they are the bytes last written. */
function hashOf(bytes: Pieces): string {
  const known = lastDecoded?.hash;
  return known !== undefined && bytes === lastDecoded!.bytes ? known : hashPieces(bytes);
}

function refuseBinary(path: string, bytes: Uint8Array): void {
  const nul = bytes.indexOf(0);
  if (nul === -1) return;
  const line = lineAt(bytes, nul);
  throw new BoardError('BINARY_FILE', `${path}:${line}: binary data (a NUL byte); not a Markdown board`, { path, line });
}

function notABoard(path: string): BoardError {
  return new BoardError(
    'NOT_A_BOARD',
    `${path}:1: no column headings found; expected "## Backlog", "## In Progress", "## Done" or similar`,
    { path },
  );
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
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
