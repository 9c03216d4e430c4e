import { z } from 'zod';
import { ToolError } from './errors.ts';
import type { AnyTool, ToolContext } from './tool.ts';

/** Validates the arguments, runs the tool, and checks its output against the schema. */
export async function runTool(tool: AnyTool, args: unknown, context: ToolContext): Promise<unknown> {
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) {
    throw new ToolError('INVALID_ARGUMENT', `${tool.command.join(' ')}: ${describeIssues(parsed.error)}`, {
      issues: parsed.error.issues,
    });
  }
  if (context.signal.aborted) throw new ToolError('CANCELLED', `${tool.command.join(' ')}: cancelled`);
  const output = await tool.run(parsed.data, context);
  return tool.output.parse(output);
}

/** One readable line per zod issue: which field, what was wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
