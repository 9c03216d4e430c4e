import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { watch } from 'chokidar';
import { BoardError } from './errors.ts';
import { _fileError } from './file-bytes.ts';
import { _ownWriteBase, contentHash, decodeBoard, hashOfRead } from './file.ts';
import type { BoardFile } from './file.ts';
import type { Board } from './types.ts';

/** A settled change of the board file: who made it, and the board it now holds. */
export type BoardChange =
  | { kind: 'changed'; board: Board; hash: string; own: boolean }
  | { kind: 'invalid'; error: BoardError };

/** A running watch; `ready` resolves once the watcher listens, `close` stops it. */
export interface BoardWatch {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** What the watcher last reported when the file could not be read. */
const UNREADABLE = 'unreadable';

/**
 * Watches a board file. The parent directory is watched, so editors that save by writing a
 * temp file and renaming it (vim, VS Code) are seen; bursts are debounced into one change;
 * Quimbot's own writes are recognised by content hash and reported with `own: true`, unless
 * they carry a human change the watcher has not reported yet (then `own: false`, so it is seen).
 */
export function watchBoard(
  file: BoardFile,
  onChange: (change: BoardChange) => void,
  options: { debounceMs?: number } = {},
): BoardWatch {
  const path = resolve(file.path);
  const debounceMs = options.debounceMs ?? 25;
  // A file saved without pause still gets reported, at least this often.
  const maxWaitMs = Math.max(debounceMs * 8, 200);
  let timer: NodeJS.Timeout | null = null;
  let burstStart = 0;
  let lastHash: string | null = null;
  let closed = false;

  /**
   * Own only when this process wrote these bytes over what the watcher last reported (through
   * its own writes only): an own write that carries a human's unreported change is not own.
   */
  const ownFrom = (hash: string): boolean => {
    let at = hash;
    for (let hops = 0; hops < 64; hops++) {
      const base = _ownWriteBase(path, at);
      if (base === undefined || base === null) return false;
      if (base === lastHash) return true;
      at = base;
    }
    return false;
  };

  const check = (): void => {
    let bytes: Uint8Array;
    try {
      // Read and reported in one go: read asynchronously, the bytes could be reported after an
      // update that replaced them had finished, and a claimed card would look moved back by a human.
      bytes = readFileSync(path);
    } catch (error) {
      if (closed || lastHash === UNREADABLE) return;
      lastHash = UNREADABLE;
      onChange({ kind: 'invalid', error: _fileError(file.path, error) });
      return;
    }
    const hash = hashOfRead(bytes);
    if (hash === lastHash || closed) return;
    const own = ownFrom(hash);
    lastHash = hash;
    // Bytes this process wrote are a board; parsed only if someone reads it (the writer often has it already).
    if (own) return onChange(new OwnChange(file.path, bytes, hash));
    let board: Board;
    try {
      board = decodeBoard(file.path, bytes);
    } catch (error) {
      if (error instanceof BoardError) return onChange({ kind: 'invalid', error });
      throw error;
    }
    onChange({ kind: 'changed', board, hash, own });
  };

  const settle = () => {
    timer = null;
    check();
  };

  const watcher = watch(dirname(path), {
    depth: 0,
    ignoreInitial: true,
    ignored: (candidate) => candidate !== path && candidate !== dirname(path),
  });
  const poke = (changed: string) => {
    if (changed !== path || closed) return;
    const now = Date.now();
    if (timer) {
      if (now - burstStart >= maxWaitMs) return; // the pending read will see this change too
      clearTimeout(timer);
    } else {
      burstStart = now;
    }
    timer = setTimeout(settle, debounceMs);
  };
  // Chokidar drops a 'change' that follows another within 50 ms, so the last save of a burst
  // could go unseen: the raw file system events, which it does not throttle, drive the debounce.
  watcher.on('raw', (_event, changed: string | null | undefined, details) => {
    const watched = resolve((details as { watchedPath?: string } | undefined)?.watchedPath ?? dirname(path));
    // Some platforms give no file name: read again to be safe; the content hash drops non-changes.
    poke(watched === path || !changed ? path : resolve(watched, changed));
  });
  watcher.on('add', (changed) => poke(resolve(changed))).on('unlink', (changed) => poke(resolve(changed)));

  const ready = new Promise<void>((done) => watcher.once('ready', () => done())).then(async () => {
    try {
      lastHash = contentHash(await readFile(path));
    } catch {
      lastHash = UNREADABLE;
    }
  });
  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}

/**
 * A change this process wrote: its board is parsed on first use. A class, not an object with
 * its own getter: V8 keeps such a getter in the object's hidden class, outside the young
 * generation, and the bytes and board it holds then outlive the first collections they meet.
 */
class OwnChange {
  readonly kind = 'changed';
  readonly own = true;
  readonly #path: string;
  readonly #bytes: Uint8Array;
  #board: Board | undefined;

  constructor(
    path: string,
    bytes: Uint8Array,
    readonly hash: string,
  ) {
    this.#path = path;
    this.#bytes = bytes;
  }

  get board(): Board {
    return (this.#board ??= decodeBoard(this.#path, this.#bytes));
  }
}
