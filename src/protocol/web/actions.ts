import { resolve } from 'node:path';
import { z } from 'zod';
import { COLUMN_KINDS, selectCard } from '../../board/index.ts';
import type { Board } from '../../board/index.ts';
import type { Logger } from '../../log.ts';
import { findTool, runTool, workspaceResolver } from '../../tools/index.ts';
import { WebError } from './errors.ts';

const cardRef = z.string().trim().min(1).max(200).describe('a card id (or any CARD reference the board tools take)');
const column = z.enum(COLUMN_KINDS);

/** A POST to `/api/actions`: what a person asked for on the page. */
export const ActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('move'), card: cardRef, column }).strict(),
  z.object({ action: z.literal('add'), title: z.string().trim().min(1).max(500), column: column.default('backlog'), owner: z.string().trim().min(1).max(60).optional() }).strict(),
  z.object({ action: z.literal('cancel'), card: cardRef, reason: z.string().trim().min(1).max(200).default('cancelled from the web view') }).strict(),
  z.object({ action: z.literal('retry'), card: cardRef }).strict(),
]);
/** A validated action. */
export type Action = z.infer<typeof ActionSchema>;

/** Where actions run: the board file (relative to the workspace when inside it) and a logger. */
export interface ActionContext {
  workspace: string;
  boardPath: string;
  board: () => Promise<Board>;
  /** True when a run holds the card (a lease in the store). */
  hasRun: (cardId: string) => boolean;
  log: Logger;
}

/** The registry call an action makes: the page edits the board only through the board tools. */
export async function toolCall(action: Action, context: ActionContext): Promise<{ tool: string; args: Record<string, unknown> }> {
  const board = context.boardPath;
  switch (action.action) {
    case 'move':
      return { tool: 'board_move', args: { board, card: action.card, column: action.column } };
    case 'add':
      return { tool: 'board_add', args: { board, title: action.title, column: action.column, ...(action.owner ? { owner: action.owner } : {}) } };
    case 'cancel': {
      // Moving a card out of In Progress is how a person cancels its run; Blocked keeps it from being claimed again at once.
      const card = selectCard(await context.board(), action.card);
      if (!context.hasRun(card.id) || (card.column !== 'in_progress' && card.column !== 'review')) {
        throw new WebError(409, 'CARD_NOT_RUNNING', `"${card.title}" (in ${card.column}) has no run to cancel`);
      }
      return { tool: 'board_block', args: { board, card: card.id, reason: action.reason } };
    }
    case 'retry': {
      const card = selectCard(await context.board(), action.card);
      if (card.column !== 'blocked') throw new WebError(409, 'CARD_NOT_BLOCKED', `"${card.title}" is in ${card.column}: only a Blocked card can be retried`);
      return { tool: 'board_move', args: { board, card: card.id, column: 'backlog' } };
    }
    default:
      return assertUnreachable(action);
  }
}

/** Runs an action through the tool registry, as the CLI, MCP and agents do; the tool's output and its line for people. */
export async function runAction(action: Action, context: ActionContext): Promise<{ tool: string; summary: string; output: unknown }> {
  const { tool: name, args } = await toolCall(action, context);
  const tool = findTool(name);
  const confined = workspaceResolver(context.workspace, true);
  const boardPath = resolve(context.workspace, context.boardPath);
  const output = await runTool(tool, args, {
    workspace: context.workspace,
    // The board may live outside the workspace (`start --board`); every other path is confined.
    resolvePath: (path) => (resolve(context.workspace, path) === boardPath ? boardPath : confined(path)),
    signal: AbortSignal.timeout(30_000),
    progress: () => {},
    log: context.log,
  });
  return { tool: name, summary: tool.summarize(output as never), output };
}

function assertUnreachable(value: never): never {
  throw new WebError(400, 'BAD_REQUEST', `unknown action ${JSON.stringify(value)}`);
}
