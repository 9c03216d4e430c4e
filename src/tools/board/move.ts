import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { CardEditOutput, describeCard, editCard } from './edit-card.ts';
import { boardPath, cardRef, columnName } from './schemas.ts';

/** `board move`: moves a card, with its nested lines, to the end of another column. */
export const boardMove = defineTool({
  name: 'board_move',
  command: ['board', 'move'],
  title: 'Move a card',
  description: 'Moves a card with its nested lines to the end of another column; creates the column if the board lacks it.',
  positionals: ['card', 'column'],
  input: z.object({ board: boardPath, card: cardRef, column: columnName }),
  output: CardEditOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: ({ board, card, column }, context) => editCard(context, board, card, (c) => ({ kind: 'move', card: c.id, to: column })),
  summarize: (output) => describeCard(output, 'Moved'),
});
