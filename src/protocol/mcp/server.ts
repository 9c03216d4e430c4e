import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { BoardFile } from '../../board/index.ts';
import type { Logger } from '../../log.ts';
import type { FineTuneModels } from '../../tools/index.ts';
import type { ProviderAccess } from '../../providers/index.ts';
import { TOOLS } from '../../tools/index.ts';
import type { AnyTool } from '../../tools/index.ts';
import { VERSION } from '../../version.ts';
import { getPrompt, PROMPTS } from './prompts.ts';
import { BOARD_URI, listResources, readResource, RESOURCE_TEMPLATES } from './resources.ts';
import type { ResourceRoots } from './resources.ts';
import { callTool, describeTool } from './tools.ts';

/** What an MCP session serves from. */
export interface McpOptions extends ResourceRoots {
  workspace: string;
  log: Logger;
  tools?: readonly AnyTool[];
  /** For the tools that call model providers. */
  providers?: ProviderAccess;
  /** The configuration's fine-tuning prices and limits. */
  fineTuneModels?: FineTuneModels;
}

/** An MCP server over the tool registry, and the hook that tells its subscribers the board changed. */
export interface QuimbotMcp {
  server: Server;
  boardChanged(): Promise<void>;
}

/**
 * An MCP server (protocol 2025-11-25) that adapts the registry: every tool with its input and
 * output schemas, the board, cards, daily notes and reports as resources (with subscriptions),
 * and the standup and triage prompts. No tool is defined here.
 */
export function createMcpServer(options: McpOptions): QuimbotMcp {
  const tools = options.tools ?? TOOLS;
  const server = new Server(
    { name: 'quimbot', title: 'Quimbot', version: VERSION },
    {
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: false }, prompts: {} },
      instructions: 'Quimbot: a Markdown Kanban board and dataset tools for a team of agents. Tools take paths relative to the workspace.',
    },
  );
  const subscribed = new Set<string>();

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = tools.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `no tool named "${request.params.name}"`);
    const token = request.params._meta?.progressToken;
    return callTool(tool, request.params.arguments ?? {}, {
      workspace: options.workspace,
      signal: extra.signal,
      log: options.log,
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.fineTuneModels ? { fineTuneModels: options.fineTuneModels } : {}),
      ...(token !== undefined
        ? {
            progress: ({ done, total, message }) =>
              void extra
                .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) } })
                .catch(() => {}),
          }
        : {}),
    });
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: listResources(options) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params;
    const text = await readResource(uri, options);
    if (text === null) throw new McpError(ErrorCode.InvalidParams, `no resource ${uri}`);
    return { contents: [{ uri, mimeType: 'text/markdown', text }] };
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: PROMPTS }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const board = (await new BoardFile(options.boardPath).read()).text;
    const prompt = getPrompt(request.params.name, request.params.arguments ?? {}, board);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `no prompt named "${request.params.name}"`);
    return prompt;
  });

  return {
    server,
    async boardChanged() {
      // The board and every card may have changed: tell whoever subscribed to either.
      for (const uri of subscribed) {
        if (uri === BOARD_URI || uri.startsWith('kanban://card/')) await server.sendResourceUpdated({ uri }).catch(() => {});
      }
    },
  };
}
