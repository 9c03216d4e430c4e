import type { GetPromptResult, Prompt } from '@modelcontextprotocol/sdk/types.js';
import { BOARD_URI } from './resources.ts';

/** The prompts Quimbot offers: a standup from the board, and a goal turned into cards. */
export const PROMPTS: Prompt[] = [
  { name: 'standup', title: 'Standup', description: 'Summarise the board: done, in progress with owners, blocked with reasons, next steps.' },
  {
    name: 'triage',
    title: 'Triage a goal into cards',
    description: 'Turn a goal into Backlog cards, each with a `/command` or an @agent, added with board_add.',
    arguments: [{ name: 'goal', description: 'What the team should get done', required: true }],
  },
];

/** A prompt's messages, with the board attached as a resource link the client can read. */
export function getPrompt(name: string, args: Record<string, string>, board: string): GetPromptResult | null {
  const boardResource = { type: 'resource' as const, resource: { uri: BOARD_URI, mimeType: 'text/markdown', text: board } };
  if (name === 'standup') {
    return {
      description: 'A standup from the board',
      messages: [
        { role: 'user', content: boardResource },
        { role: 'user', content: { type: 'text', text: 'Write a short standup from this board: what is done, what is in progress and by whom, what is blocked and why, and what comes next.' } },
      ],
    };
  }
  if (name === 'triage') {
    const goal = args.goal ?? '';
    return {
      description: 'Cards for a goal',
      messages: [
        { role: 'user', content: boardResource },
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Goal: ${goal}\n\nSplit it into small Backlog cards. Give each card a bold title and either a slash command in backticks ` +
              '(the same words as the quimbot CLI, e.g. `/data audit data/x.jsonl`) or an @agent mention; use `after: <title>` lines for order. ' +
              'Add them with the board_add tool.',
          },
        },
      ],
    };
  }
  return null;
}
