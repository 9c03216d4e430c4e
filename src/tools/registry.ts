import { boardAdd } from './board/add.ts';
import { boardAssign } from './board/assign.ts';
import { boardBlock } from './board/block.ts';
import { boardLint } from './board/lint.ts';
import { boardMove } from './board/move.ts';
import { boardNote } from './board/note.ts';
import { boardShow } from './board/show.ts';
import { dataAudit } from './data/audit.ts';
import { dataClean } from './data/clean.ts';
import { dataConvert } from './data/convert.ts';
import { dataDedup } from './data/dedup.ts';
import { dataMix } from './data/mix.ts';
import { dataRecipeBuild, dataRecipePlan } from './data/recipe.ts';
import { dataReport } from './data/report.ts';
import { dataScrub } from './data/scrub.ts';
import { dataValidate } from './data/validate.ts';
import { doctor } from './doctor.ts';
import { ftSubmit } from './ft/submit.ts';
import { ftCancel, ftStatus, ftWatch } from './ft/status.ts';
import { evalQuick } from './eval/quick.ts';
import { genRun } from './gen/run.ts';
import { reportWeek } from './report-week.ts';
import { standup } from './standup.ts';
import { ToolError } from './errors.ts';
import type { AnyTool } from './tool.ts';

/** Every tool, once. The CLI, agents, MCP and A2A are adapters over this list. */
export const TOOLS: readonly AnyTool[] = [
  boardShow,
  boardAdd,
  boardMove,
  boardAssign,
  boardNote,
  boardBlock,
  boardLint,
  dataAudit,
  dataClean,
  dataDedup,
  dataMix,
  dataConvert,
  dataScrub,
  dataValidate,
  dataRecipePlan,
  dataRecipeBuild,
  dataReport,
  genRun,
  ftSubmit,
  ftStatus,
  ftWatch,
  ftCancel,
  evalQuick,
  doctor,
  standup,
  reportWeek,
];

/** What each command group is for, for `quimbot --help`. */
export const TOOL_GROUPS: Record<string, string> = {
  board: 'Read and edit the Markdown board (kanban/KANBAN.md)',
  report: 'Status reports for people: the weekly summary',
  data: 'Dataset tools for chat JSONL: audit, clean, dedup, mix, convert, scrub, validate, recipe, report',
  recipe: 'Declarative dataset builds: plan and build a recipe',
  gen: 'Synthetic data generation through a model provider, resumable and within a budget',
  ft: 'Fine-tuning jobs: submit, follow, cancel',
  eval: 'Quick side-by-side evals of a base and a fine-tuned model',
};

/** The tool with this registry name; UNKNOWN_TOOL otherwise. */
export function findTool(name: string): AnyTool {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) throw new ToolError('UNKNOWN_TOOL', `no tool named "${name}"; known: ${TOOLS.map((t) => t.name).join(', ')}`);
  return tool;
}
