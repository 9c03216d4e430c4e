import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { CardEditOutput, describeCard, editCard } from './edit-card.ts';
import { boardPath, cardRef } from './schemas.ts';

/** `board assign`: sets or replaces a card's owner (` — Name`). */
export const boardAssign = defineTool({
  name: 'board_assign',
  command: ['board', 'assign'],
  title: 'Assign a card',
  description: 'Sets the owner shown at the end of the card\'s first line (" — Name"), replacing any owner it had.',
  positionals: ['card', 'name'],
  input: z.object({
    board: boardPath,
    card: cardRef,
    name: z.string().min(1).describe('Owner name, 1 to 3 words'),
  }),
  output: CardEditOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: ({ board, card, name }, context) => editCard(context, board, card, (c) => ({ kind: 'assign', card: c.id, owner: name })),
  summarize: (output) => describeCard(output, 'Assigned'),
});
