import { BoardFile, selectCard } from '../../board/index.ts';
import type { Card, Edit } from '../../board/index.ts';
import { ToolError } from '../errors.ts';
import type { ToolContext } from '../tool.ts';
import { CardJson, cardJson } from './schemas.ts';
import { z } from 'zod';

/** What every single-card edit tool returns. */
export const CardEditOutput = z.object({
  path: z.string(),
  card: CardJson,
  written: z.boolean().describe('false when the board already said so'),
});

/**
 * Finds the card a person named, then applies the edit to the latest file, expecting the card
 * where it was seen: if a human moved it in between, the edit is refused, not forced.
 */
export async function editCard(
  context: ToolContext,
  path: string,
  ref: string,
  edit: (card: Card) => Edit,
): Promise<z.infer<typeof CardEditOutput>> {
  const file = new BoardFile(context.resolvePath(path), (event) => context.log.warn(event.message, event));
  const card = selectCard(await file.read(), ref);
  const outcome = await file.update([{ ...edit(card), expect: { column: card.column } } as Edit]);
  const dropped = outcome.dropped[0];
  if (dropped) throw new ToolError('EDIT_DROPPED', `${path}: ${dropped.message}; nothing was changed`, { reason: dropped.reason });
  const after = outcome.board.cards.find((c) => c.id === card.id);
  if (!after) throw new ToolError('INTERNAL', `${path}: card ${card.id} is missing after the edit`);
  return { path, card: cardJson(after), written: outcome.written };
}

/** One line for people: where the card is now. */
export function describeCard(output: z.infer<typeof CardEditOutput>, verb: string): string {
  const { card } = output;
  const owner = card.owner ? ` — ${card.owner}` : '';
  const note = output.written ? '' : ' (already so; nothing written)';
  return `${verb} ${card.id} "${card.title}"${owner} in ${card.column} (line ${card.line})${note}`;
}
