import { z } from 'zod';
import { readState } from '../store/index.ts';
import { writeStandup } from '../standup/index.ts';
import { defineTool } from './tool.ts';

/** `standup`: the day's note in `memory/` and the board's `_Last synced_` line. */
export const standup = defineTool({
  name: 'standup',
  command: ['standup'],
  title: 'Write a standup',
  description:
    'Appends a standup to memory/YYYY-MM-DD.md (done since the last standup, in progress with owners, blocked with reasons, decisions, cost) and updates the board\'s "_Last synced: … _" line.',
  input: z.object({
    morning: z.boolean().default(false).describe('a morning standup (default: by the time of day)'),
    evening: z.boolean().default(false).describe('an evening standup'),
    board: z.string().min(1).default('kanban/KANBAN.md').describe('Board file'),
    memory: z.string().min(1).default('memory').describe('Directory of daily notes'),
    state: z.string().min(1).default('.quimbot/state.json').describe("The daemon's state file (history and cost)"),
    timeZone: z.string().default('America/New_York').describe('Time zone the team reads times in'),
  }),
  output: z.object({ path: z.string(), kind: z.enum(['morning', 'evening']), synced: z.string(), section: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(input, context) {
    return writeStandup({
      boardPath: context.resolvePath(input.board),
      memoryDir: context.resolvePath(input.memory),
      state: readState(context.resolvePath(input.state)),
      timeZone: input.timeZone,
      ...(input.morning ? { kind: 'morning' as const } : input.evening ? { kind: 'evening' as const } : {}),
    });
  },
  summarize: (output) => `${output.kind} standup written to ${output.path}; board synced: ${output.synced}`,
});
