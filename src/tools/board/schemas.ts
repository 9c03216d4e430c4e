import { z } from 'zod';
import { COLUMN_KINDS, parseColumnName } from '../../board/index.ts';
import type { Board, Card } from '../../board/index.ts';

/** The `--board PATH` option every board tool takes. */
export const boardPath = z.string().min(1).default('kanban/KANBAN.md').describe('Board file');

/** A card reference: an id, a unique title prefix, or column:index. */
export const cardRef = z.string().min(1).describe('Card: an id, a unique title prefix, or column:index (e.g. backlog:2)');

/** A column name in any of its spellings (`in-progress`, `Doing`, `WIP`, …), read as its kind. */
export const columnName = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const kind = parseColumnName(value);
    if (!kind) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown column "${value}"; expected one of backlog, in-progress, review, done, blocked`,
      });
      return z.NEVER;
    }
    return kind;
  })
  .describe('Column: backlog, in-progress, review, done or blocked (aliases such as todo, doing, wip work)');

const columnKind = z.enum(COLUMN_KINDS);

/** A card as `board show --json` prints it: a stable, documented shape. */
export const CardJson = z.object({
  id: z.string(),
  title: z.string(),
  column: columnKind,
  owner: z.string().nullable(),
  mentions: z.array(z.string()),
  command: z.object({ raw: z.string(), argv: z.array(z.string()), error: z.string().nullable() }).nullable(),
  after: z.array(z.string()),
  checkbox: z.enum(['open', 'done']).nullable(),
  blockedReason: z.string().nullable(),
  line: z.number().int(),
  endLine: z.number().int(),
});

/** A column with its cards. */
export const ColumnJson = z.object({
  kind: columnKind,
  heading: z.string(),
  line: z.number().int(),
  cards: z.array(CardJson),
});

/** The whole board as `board show --json` prints it. */
export const BoardJson = z.object({
  path: z.string(),
  lastSynced: z.string().nullable(),
  columns: z.array(ColumnJson),
  sections: z.array(z.object({ heading: z.string(), line: z.number().int() })),
});

/** The JSON shape of a card. */
export function cardJson(card: Card): z.infer<typeof CardJson> {
  return {
    id: card.id,
    title: card.title,
    column: card.column,
    owner: card.owner,
    mentions: [...card.mentions],
    command: card.command && { raw: card.command.raw, argv: [...card.command.argv], error: card.command.error },
    after: [...card.after],
    checkbox: card.checkbox,
    blockedReason: card.blockedReason,
    line: card.line,
    endLine: card.endLine,
  };
}

/** The JSON shape of a board. */
export function boardJson(path: string, board: Board): z.infer<typeof BoardJson> {
  return {
    path,
    lastSynced: board.lastSynced?.value ?? null,
    columns: board.columns.map((column) => ({
      kind: column.kind,
      heading: column.heading,
      line: column.line,
      cards: column.cards.map(cardJson),
    })),
    sections: board.others.map((section) => ({ heading: section.heading, line: section.line })),
  };
}
