import { parseToolCommand, ToolError } from '../../tools/index.ts';
import type { AnyTool } from '../../tools/index.ts';
import type { AgentBackend, RunResult } from '../backend.ts';
import { RunError } from '../errors.ts';

/**
 * The offline backend: runs the slash command the card names through the tool registry,
 * with the same grammar as the CLI. No model, no network, no keys.
 */
export function pipelineBackend(): AgentBackend {
  return {
    kind: 'pipeline',
    async run(context): Promise<RunResult> {
      const { command } = context.card;
      if (!command) throw new RunError('NO_COMMAND', 'the card has no `/command` to run', false);
      if (command.error) throw new RunError('NO_COMMAND', `cannot read \`${command.raw}\`: ${command.error}`, false);
      let invocation;
      try {
        invocation = parseToolCommand(toolsNamed(context.tools, command.argv), command.argv);
      } catch (error) {
        const message = error instanceof ToolError ? error.message : String(error);
        throw new RunError('TOOL_FAILED', message, false);
      }
      const { output, summary } = await context.callTool(invocation.tool.name, invocation.args);
      context.output(summary);
      const links = ['report', 'out', 'outDir'].flatMap((key) => (typeof invocation.args[key] === 'string' ? [invocation.args[key] as string] : []));
      return { summary: headline(summary, output), links };
    },
  };
}

/**
 * The tools whose command words begin `argv`, or all of them when none does (a mistyped command
 * is then told what the whole registry says). Building the command parser for every tool costs
 * milliseconds a card; for the one it names, a tenth of that.
 */
function toolsNamed(tools: readonly AnyTool[], argv: readonly string[]): readonly AnyTool[] {
  const named = tools.filter((tool) => tool.command.every((word, i) => argv[i] === word));
  return named.length > 0 ? named : tools;
}

/** The result in one line: the summary's first line, and the nonzero counts of an audit. */
function headline(summary: string, output: unknown): string {
  const first = summary.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'done';
  const counts = (output as { counts?: Record<string, { count?: number }> } | null)?.counts;
  if (!counts || typeof counts !== 'object') return first;
  const found = Object.entries(counts)
    .filter(([, value]) => typeof value?.count === 'number' && value.count > 0)
    .map(([name, value]) => `${value.count!.toLocaleString('en-US')} ${name.replace(/_rows$/, '').replace(/_/g, ' ')}`);
  return found.length ? `${first}; ${found.join(', ')}` : `${first}; no problems found`;
}
