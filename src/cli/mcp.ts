import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BoardFile, watchBoard } from '../board/index.ts';
import { loadConfig, providerAccess } from '../config.ts';
import { createLogger } from '../log.ts';
import type { LogLevel } from '../log.ts';
import { createMcpServer } from '../protocol/mcp/server.ts';
import { EXIT } from './exit-codes.ts';

/** `quimbot mcp`: the MCP server on stdin/stdout for clients that spawn it; logs go to stderr only. */
export async function runMcp(options: { config?: string; board?: string; logLevel: LogLevel }): Promise<number> {
  const log = createLogger({ level: options.logLevel, format: 'json' });
  const config = loadConfig(options.config ? { file: options.config } : {});
  const boardPath = resolve(config.workspace, options.board ?? config.board);
  const mcp = createMcpServer({
    workspace: config.workspace,
    boardPath,
    memoryDir: resolve(config.workspace, config.memory),
    reportsDir: join(config.workspace, 'reports'),
    log,
    providers: providerAccess(config, 'mcp'),
    fineTuneModels: config.fineTune,
  });
  const watch = existsSync(boardPath) ? watchBoard(new BoardFile(boardPath), (change) => void (change.kind === 'changed' && mcp.boardChanged())) : null;
  await watch?.ready;
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((done) => {
    transport.onclose = () => done();
    process.stdin.once('end', () => done());
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  await mcp.server.connect(transport);
  log.info('MCP server on stdio', { board: boardPath });
  await closed;
  await watch?.close();
  await mcp.server.close();
  return EXIT.ok;
}
