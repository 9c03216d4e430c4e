import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import { loadConfig, providerAccess } from '../config.ts';
import { createLogger } from '../log.ts';
import type { LogLevel } from '../log.ts';
import { addToolCommands, runTool, TOOLS, workspaceResolver } from '../tools/index.ts';
import type { AnyTool, ToolContext, ToolInvocation } from '../tools/index.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { terminalProgress } from './progress.ts';
import { runConfigCheck } from './config-check.ts';
import { runMcp } from './mcp.ts';
import { runPeers } from './peers.ts';
import { runStart } from './start.ts';
import { VERSION } from '../version.ts';


/** Runs the `quimbot` command line and returns its exit status. Every error is reported here, once. */
export async function runMain(argv: readonly string[]): Promise<number> {
  let status: number = EXIT.ok;
  let json = false;
  const program = new Command('quimbot')
    .description('Quimbot: a Markdown Kanban board as the work queue for a team of LLM agents and humans.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  addToolCommands(program, TOOLS, async (invocation) => {
    json = invocation.json;
    status = await invoke(invocation);
  });
  program
    .command('start')
    .description('Start the daemon: the agents claim and run cards from the board, MCP is served over HTTP at /mcp, standups are written on schedule (Ctrl-C or SIGTERM stops it cleanly).')
    .option('--config <path>', 'config file (default: quimbot.config.json or .yaml in the current directory, else defaults)')
    .option('--board <path>', 'board file (default: the config\'s, kanban/KANBAN.md)')
    .option('--host <host>', "address to listen on (default: the config's, 127.0.0.1)")
    .option('--port <n>', "port to listen on, 0 for any free one (default: the config's, 8787)", (v: string) => Number(v))
    .option('--log-format <format>', 'log lines as json or pretty (default: pretty on a terminal)')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .action(async (options: { config?: string; board?: string; host?: string; port?: number; logFormat?: 'json' | 'pretty'; logLevel: LogLevel }) => {
      status = await runStart(options);
    });
  program
    .command('mcp')
    .description('Serve every tool, the board, cards, daily notes and reports to an MCP client over stdio (Claude Desktop, Claude Code, Cursor).')
    .option('--config <path>', 'config file (default: quimbot.config.json or .yaml in the current directory)')
    .option('--board <path>', "board file (default: the config's, kanban/KANBAN.md)")
    .option('--log-level <level>', 'debug, info, warn or error (logs go to stderr)', 'warn')
    .action(async (options: { config?: string; board?: string; logLevel: LogLevel }) => {
      status = await runMcp(options);
    });
  program
    .command('peers')
    .description('List the peer daemons: whether each answers, its token, and the cards delegated to it now (exit 1 when one is down).')
    .option('--config <path>', 'config file (default: quimbot.config.json or .yaml in the current directory)')
    .option('--json', 'print the peers as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      json = options.json === true;
      status = await runPeers(options);
    });
  program
    .command('config')
    .description('Check the configuration')
    .command('check')
    .description('Print the resolved configuration (API keys named, never shown) or every error with its path.')
    .option('--config <path>', 'config file (default: quimbot.config.json or .yaml in the current directory)')
    .option('--json', 'print the resolved configuration as JSON')
    .action((options: { config?: string; json?: boolean }) => {
      json = options.json === true;
      status = runConfigCheck(options);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    return report(error, json);
  }
}

async function invoke({ tool, args, json }: ToolInvocation): Promise<number> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  const progress = terminalProgress(process.stderr, process.stderr.isTTY === true && !json, !json);
  try {
    const output = await runTool(tool, args, {
      workspace: process.cwd(),
      resolvePath: workspaceResolver(process.cwd(), false),
      signal: controller.signal,
      progress: progress.report,
      log: createLogger({ level: 'warn' }),
      ...configured(tool),
      ...(process.stdin.isTTY && process.stderr.isTTY && !json ? { confirm: ask } : {}),
    });
    progress.done();
    process.stdout.write(json ? `${JSON.stringify(output, null, 2)}\n` : `${tool.summarize(output)}\n`);
    return tool.exitCode?.(output) ?? EXIT.ok;
  } finally {
    progress.done();
    process.off('SIGINT', cancel);
  }
}

/**
 * What a tool needs from the configuration: providers, fine-tuning prices and limits. Read only
 * for the tools that use it: a broken configuration must not stop `board show`.
 */
function configured(tool: AnyTool): Pick<ToolContext, 'providers' | 'fineTuneModels'> {
  if (!tool.usesProviders && !tool.usesFineTuneModels) return {};
  const config = loadConfig();
  return {
    ...(tool.usesProviders ? { providers: providerAccess(config, 'cli') } : {}),
    ...(tool.usesFineTuneModels ? { fineTuneModels: config.fineTune } : {}),
  };
}

/** A yes/no question on the terminal; anything but yes is no. */
async function ask(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

function report(error: unknown, json: boolean): number {
  const code = typeof error === 'object' && error && 'code' in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const known = code !== undefined && /^[A-Z_]+$/.test(code);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: known ? code : 'INTERNAL', message } }, null, 2)}\n`);
  process.stderr.write(known ? `quimbot: ${message}\n` : `quimbot: internal error: ${error instanceof Error ? error.stack : message}\n`);
  return known ? exitCodeFor(code) : EXIT.problems;
}
