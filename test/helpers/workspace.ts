import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { parseBoard } from '../../src/board/index.ts';
import type { Board } from '../../src/board/index.ts';
import { ConfigSchema, resolveConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';

/** A board with the usual columns and nothing in them. */
export const EMPTY_BOARD = '# Board\n\n## Backlog\n\n## In Progress\n\n## Review\n\n## Done\n\n## Blocked\n\n## Notes\n- keep me\n';

/** A temp workspace with a board and files, removed after the test. */
export interface Workspace {
  dir: string;
  boardPath: string;
  write(path: string, text: string): void;
  read(path: string): string;
  board(): Board;
  /** Resolves with the board once `match` holds, or fails after `timeoutMs` showing the board. */
  waitFor(match: (board: Board) => boolean, what: string, timeoutMs?: number): Promise<Board>;
  config(raw?: Record<string, unknown>): Config;
  /** Runs `stop` (a daemon, a server) before the directory is removed, last registered first. */
  cleanup(stop: () => unknown): void;
}

/** Makes a workspace in a fresh temp dir. */
export function workspace(t: TestContext, board = EMPTY_BOARD): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'quimbot-ws-'));
  const stops: Array<() => unknown> = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('kanban/KANBAN.md', board);
  const boardPath = join(dir, 'kanban/KANBAN.md');
  const current = () => parseBoard(readFileSync(boardPath, 'utf8'));
  return {
    dir,
    boardPath,
    write,
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    board: current,
    cleanup: (stop) => stops.push(stop),
    async waitFor(match, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const board = current();
        if (match(board)) return board;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the board reads:\n${board.text}`);
        await sleep(20);
      }
    },
    config(raw = {}) {
      const parsed = ConfigSchema.parse({ scheduler: { pollMs: 200, leaseMs: 3000, backoffMs: 50 }, listen: { port: 0 }, ...raw });
      return resolveConfig(parsed, { workspace: dir, env: {} });
    },
  };
}

/** Appends a card line under a column heading, the way a person does in an editor. */
export function addCardByHand(text: string, column: string, line: string): string {
  return text.replace(new RegExp(`(## ${column}\\n)`), `$1${line}\n`);
}
