import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { BoardFile, writeFileAtomic } from '../board/index.ts';
import { composeWeek, findManifestOutputs } from '../standup/index.ts';
import { readState } from '../store/index.ts';
import { defineTool } from './tool.ts';

const DAY = 86_400_000;

/** `report week`: the team's weekly status summary from the run history, the board and the manifests. */
export const reportWeek = defineTool({
  name: 'report_week',
  command: ['report', 'week'],
  title: 'Write the weekly status summary',
  description:
    'Writes a status summary in the shape of the team\'s weekly report: completed work with outputs, in progress, known issues (Blocked), pipeline outputs from *.manifest.json files, per-agent work and cost, next steps.',
  input: z.object({
    out: z.string().min(1).optional().describe('output file (default: reports/week-YYYY-MM-DD.md)'),
    days: z.number().int().min(1).max(366).default(7).describe('how many days back the summary covers'),
    team: z.string().optional().describe('the team as NAME:ROLE,… (default: the agents seen in the runs)'),
    board: z.string().min(1).default('kanban/KANBAN.md').describe('Board file'),
    state: z.string().min(1).default('.quimbot/state.json').describe("The daemon's state file"),
  }),
  output: z.object({ path: z.string(), runs: z.number().int(), outputs: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const to = Date.now();
    const from = to - input.days * DAY;
    const state = readState(context.resolvePath(input.state));
    const board = await new BoardFile(context.resolvePath(input.board)).read();
    const team = input.team
      ? input.team.split(',').map((entry) => {
          const [name = '', role] = entry.split(':').map((s) => s.trim());
          return role ? { name, role } : { name };
        })
      : [...new Set(state.runs.map((r) => r.agent))].map((name) => ({ name }));
    const outputs = findManifestOutputs(context.workspace);
    const path = context.resolvePath(input.out ?? `reports/week-${new Date(to).toISOString().slice(0, 10)}.md`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, composeWeek({ board, state, from, to, team, outputs }));
    return { path, runs: state.runs.filter((r) => r.startedAt >= from).length, outputs: outputs.length };
  },
  summarize: (o) => `weekly summary written to ${o.path} (${o.runs} runs, ${o.outputs} pipeline outputs)`,
});
