import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { CardEditOutput, describeCard, editCard } from './edit-card.ts';
import { boardPath, cardRef } from './schemas.ts';

/** `board block`: moves a card to Blocked with the reason in words. */
export const boardBlock = defineTool({
  name: 'board_block',
  command: ['board', 'block'],
  title: 'Block a card',
  description: 'Moves the card to Blocked and records why on a nested "Blocked: …" line (replacing an earlier reason).',
  positionals: ['card', 'reason'],
  input: z.object({
    board: boardPath,
    card: cardRef,
    reason: z.string().min(1).describe('Why, in words, e.g. "HTTP 402 Payment Required"'),
  }),
  output: CardEditOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: ({ board, card, reason }, context) => editCard(context, board, card, (c) => ({ kind: 'block', card: c.id, reason })),
  summarize: (output) => describeCard(output, 'Blocked'),
});
