import { z } from 'zod';
import { BoardFile, lintBoard } from '../../board/index.ts';
import { defineTool } from '../tool.ts';
import { boardPath } from './schemas.ts';

/** `board lint`: duplicate titles, cards outside columns, unknown headings. */
export const boardLint = defineTool({
  name: 'board_lint',
  command: ['board', 'lint'],
  title: 'Check the board',
  description: 'Reports duplicate titles and markers, cards outside columns, unknown headings and unreadable commands.',
  input: z.object({ board: boardPath }),
  output: z.object({
    path: z.string(),
    findings: z.array(z.object({ code: z.string(), line: z.number().int(), message: z.string() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run({ board }, context) {
    return { path: board, findings: lintBoard(await new BoardFile(context.resolvePath(board)).read()) };
  },
  summarize: ({ path, findings }) =>
    findings.length === 0 ? `${path}: no problems` : findings.map((f) => `${path}:${f.line}: ${f.code} ${f.message}`).join('\n'),
  exitCode: ({ findings }) => (findings.length > 0 ? 1 : 0),
});
