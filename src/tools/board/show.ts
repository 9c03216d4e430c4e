import { z } from 'zod';
import { BoardFile, COLUMN_TITLES } from '../../board/index.ts';
import { defineTool } from '../tool.ts';
import { BoardJson, boardJson, boardPath } from './schemas.ts';

/** `board show`: the board's columns and cards, as parsed from the file. */
export const boardShow = defineTool({
  name: 'board_show',
  command: ['board', 'show'],
  title: 'Show the board',
  description: 'Lists the columns and cards of the Markdown board, as parsed from the file (id, title, owner, mentions, command, line).',
  input: z.object({ board: boardPath }),
  output: BoardJson,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run({ board }, context) {
    return boardJson(board, await new BoardFile(context.resolvePath(board)).read());
  },
  summarize(output) {
    const lines: string[] = [];
    for (const column of output.columns) {
      lines.push(`${COLUMN_TITLES[column.kind]} (${column.cards.length})`);
      for (const card of column.cards) {
        const owner = card.owner ? ` — ${card.owner}` : '';
        const command = card.command ? `  \`${card.command.raw}\`` : '';
        const reason = card.blockedReason ? `  [${card.blockedReason}]` : '';
        lines.push(`  ${card.id}  ${card.title}${owner}${command}${reason}`);
      }
    }
    return lines.join('\n');
  },
});
