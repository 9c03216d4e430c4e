import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../log.ts';
import type { FineTuneModels } from '../../tools/index.ts';
import type { ProviderAccess } from '../../providers/index.ts';
import { runTool, workspaceResolver } from '../../tools/index.ts';
import type { AnyTool, Progress } from '../../tools/index.ts';

/** A registry tool as MCP lists it: JSON Schemas for its input and output, title and hints. */
export function describeTool(tool: AnyTool): Tool {
  const schema = (type: z.ZodType, io: 'input' | 'output') => {
    const { $schema: _, ...json } = z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    return json as Tool['inputSchema'];
  };
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: schema(tool.input, 'input'),
    outputSchema: schema(tool.output, 'output') as Tool['outputSchema'],
    annotations: { title: tool.title, ...tool.annotations, openWorldHint: false },
  };
}

/** What a tool call needs from the MCP session: cancellation, progress, and where files are. */
export interface CallContext {
  workspace: string;
  signal: AbortSignal;
  progress?: (progress: Progress) => void;
  log: Logger;
  providers?: ProviderAccess;
  fineTuneModels?: FineTuneModels;
}

/**
 * Runs a registry tool for an MCP client: paths confined to the workspace, the request's
 * abort signal passed to the tool, and any failure (a bad argument, a missing file, a
 * cancel) returned as an `isError` result a person can act on, not a protocol error.
 */
export async function callTool(tool: AnyTool, args: unknown, context: CallContext): Promise<CallToolResult> {
  try {
    const output = await runTool(tool, args, {
      workspace: context.workspace,
      resolvePath: workspaceResolver(context.workspace, true),
      signal: context.signal,
      progress: context.progress ?? (() => {}),
      log: context.log,
      ...(context.providers ? { providers: context.providers } : {}),
      ...(context.fineTuneModels ? { fineTuneModels: context.fineTuneModels } : {}),
    });
    return { content: [{ type: 'text', text: tool.summarize(output as never) }], structuredContent: output as Record<string, unknown> };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    return { isError: true, content: [{ type: 'text', text: typeof code === 'string' ? `${code}: ${message}` : message }] };
  }
}
