import { z } from 'zod';
import { BoardFile } from '../../board/index.ts';
import { ToolError } from '../errors.ts';
import { defineTool } from '../tool.ts';
import { CardEditOutput, describeCard } from './edit-card.ts';
import { boardPath, cardJson, columnName } from './schemas.ts';

/** `board add`: appends a card to a column, in the list's own style. */
export const boardAdd = defineTool({
  name: 'board_add',
  command: ['board', 'add'],
  title: 'Add a card',
  description: 'Adds a card at the end of a column (Backlog by default), following the list style around it.',
  positionals: ['title'],
  input: z.object({
    board: boardPath,
    title: z.string().min(1).describe('The card text, one line; may hold a `/command` in backticks and @mentions'),
    column: columnName.default('backlog'),
    owner: z.string().min(1).optional().describe('Owner shown as " — Name"'),
  }),
  output: CardEditOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run({ board, title, column, owner }, context) {
    const file = new BoardFile(context.resolvePath(board), (event) => context.log.warn(event.message, event));
    const outcome = await file.update([{ kind: 'add', title, column, owner: owner ?? null }]);
    const id = outcome.applied[0]?.cardId;
    const card = outcome.board.cards.find((c) => c.id === id);
    if (!card) throw new ToolError('INTERNAL', `${board}: the new card did not read back`);
    return { path: board, card: cardJson(card), written: outcome.written };
  },
  summarize: (output) => describeCard(output, 'Added'),
});
