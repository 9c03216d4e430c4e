import { BoardFile, COLUMN_TITLES, watchBoard } from './board/index.ts';
import type { Board, BoardWatch } from './board/index.ts';
import type { Logger } from './log.ts';

/** What the daemon needs to run; everything with a default that works offline. */
export interface DaemonOptions {
  boardPath: string;
  log: Logger;
}

/** A running daemon. */
export interface Daemon {
  readonly board: BoardFile;
  stop(): Promise<void>;
}

/** One line that says what is on the board: columns in file order, with card counts. */
export function summarizeBoard(board: Board): string {
  const columns = board.columns.map((c) => `${COLUMN_TITLES[c.kind]} ${c.cards.length}`).join(' · ');
  return `${columns} (${board.cards.length} cards)`;
}

/**
 * The composition root: reads the board (a bad board stops the start with a clear error),
 * watches it, and logs a summary at start and on every change. The agent runtime plugs in here.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  const file = new BoardFile(options.boardPath, (event) => log.warn(event.message, event));
  const board = await file.read();
  log.info(`board ${options.boardPath}: ${summarizeBoard(board)}`, { backend: 'pipeline (offline)' });
  const watch: BoardWatch = watchBoard(file, (change) => {
    if (change.kind === 'invalid') {
      log.warn(change.error.message, { code: change.error.code });
      return;
    }
    const who = change.own ? 'quimbot' : 'human';
    log.info(`board changed by ${who}: ${summarizeBoard(change.board)}`, { hash: change.hash.slice(0, 12) });
  });
  await watch.ready;
  log.info(`watching ${options.boardPath}; Ctrl-C to stop`);
  return {
    board: file,
    async stop() {
      await watch.close();
    },
  };
}
