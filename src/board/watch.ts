import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { watch } from 'chokidar';
import { BoardError } from './errors.ts';
import { contentHash, decodeBoard } from './file.ts';
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

/**
 * Watches a board file. The parent directory is watched, so editors that save by writing a
 * temp file and renaming it (vim, VS Code) are seen; bursts are debounced into one change;
 * Quimbot's own writes are recognised by content hash and reported with `own: true`.
 */
export function watchBoard(
  file: BoardFile,
  onChange: (change: BoardChange) => void,
  options: { debounceMs?: number } = {},
): BoardWatch {
  const path = resolve(file.path);
  const debounceMs = options.debounceMs ?? 25;
  let timer: NodeJS.Timeout | null = null;
  let lastHash: string | null = null;
  let closed = false;

  const settle = async () => {
    timer = null;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      lastHash = null;
      if (!closed) onChange({ kind: 'invalid', error: new BoardError('FILE_NOT_FOUND', `${file.path}: no such file`) });
      return;
    }
    const hash = contentHash(bytes);
    if (hash === lastHash || closed) return;
    lastHash = hash;
    try {
      onChange({ kind: 'changed', board: decodeBoard(file.path, bytes), hash, own: file.isOwnWrite(hash) });
    } catch (error) {
      if (error instanceof BoardError) onChange({ kind: 'invalid', error });
      else throw error;
    }
  };

  const watcher = watch(dirname(path), {
    depth: 0,
    ignoreInitial: true,
    ignored: (candidate) => candidate !== path && candidate !== dirname(path),
  });
  const poke = (changed: string) => {
    if (resolve(changed) !== path || closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void settle(), debounceMs);
  };
  watcher.on('add', poke).on('change', poke).on('unlink', poke);

  const ready = new Promise<void>((done) => watcher.once('ready', () => done())).then(async () => {
    try {
      lastHash = contentHash(await readFile(path));
    } catch {
      lastHash = null;
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
