import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { CardEditOutput, describeCard, editCard } from './edit-card.ts';
import { boardPath, cardRef } from './schemas.ts';

/** `board note`: adds a nested line under a card. */
export const boardNote = defineTool({
  name: 'board_note',
  command: ['board', 'note'],
  title: 'Add a note to a card',
  description: 'Adds one nested line under the card, in the style of its other nested lines.',
  positionals: ['card', 'text'],
  input: z.object({ board: boardPath, card: cardRef, text: z.string().min(1).describe('The note, one line') }),
  output: CardEditOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: ({ board, card, text }, context) => editCard(context, board, card, (c) => ({ kind: 'note', card: c.id, text })),
  summarize: (output) => describeCard(output, 'Noted'),
});
