import { contentHash } from '../../board/index.ts';
import type { Board } from '../../board/index.ts';
import type { State } from '../../store/index.ts';
import { boardJson } from '../../tools/index.ts';
import { cardLinks } from './links.ts';
import type { CardLink, LinkRoots } from './links.ts';

/** A run in flight, as the runtime reports it. */
export interface Running {
  agent: string;
  runId: string;
}

/** What the board view is built from: the parsed file and the store, at one moment. */
export interface BoardViewInput {
  path: string;
  board: Board;
  state: Readonly<State>;
  running: ReadonlyMap<string, Running>;
  maxAttempts: number;
  roots: LinkRoots;
  now: number;
}

/**
 * The board as `board show --json` prints it, each card with what only the store knows (its
 * lease, attempts, last error, runs) and the links in its text. Nothing is kept between calls:
 * the page asks again and gets what the file says now.
 */
export function boardView(input: BoardViewInput) {
  const { board, state, now } = input;
  const json = boardJson(input.path, board);
  const byId = new Map(board.cards.map((card) => [card.id, card]));
  const runCounts = new Map<string, number>();
  for (const run of state.runs) runCounts.set(run.cardId, (runCounts.get(run.cardId) ?? 0) + 1);
  return {
    ...json,
    hash: contentHash(board.text),
    now,
    maxAttempts: input.maxAttempts,
    columns: json.columns.map((column) => ({
      ...column,
      cards: column.cards.map((card) => {
        const lease = state.leases.find((l) => l.cardId === card.id);
        const retry = state.cards[card.id];
        const text = byId.get(card.id)?.text ?? '';
        return {
          ...card,
          text,
          lease: lease
            ? { agent: lease.agent, runId: lease.runId, column: lease.column, expiresInMs: lease.expiresAt - now, running: input.running.has(card.id) }
            : null,
          retry: retry ? { attempts: retry.attempts, lastError: retry.lastError, blocked: retry.blocked, nextAttemptInMs: Math.max(0, retry.nextAttemptAt - now) } : null,
          runs: runCounts.get(card.id) ?? 0,
          links: cardLinks(text, input.roots) satisfies CardLink[],
        };
      }),
    })),
  };
}

/** The board as the web API serves it. */
export type BoardView = ReturnType<typeof boardView>;
