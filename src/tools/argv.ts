import { Argument, Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { ToolError } from './errors.ts';
import { TOOL_GROUPS } from './registry.ts';
import type { AnyTool } from './tool.ts';

/** A tool and the arguments read from its command words. */
export interface ToolInvocation {
  tool: AnyTool;
  args: Record<string, unknown>;
  /** `--json` was given: print the output object, not the summary. */
  json: boolean;
}

interface PropertySchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  items?: PropertySchema;
}

/**
 * Adds one command per tool to a commander program, with positionals and options derived from
 * the tool's input schema. The CLI and the slash commands on cards both parse through this,
 * so `quimbot data audit x` and `` `/data audit x` `` mean the same thing.
 */
export function addToolCommands(
  program: Command,
  tools: readonly AnyTool[],
  onInvoke: (invocation: ToolInvocation) => void | Promise<void>,
): void {
  for (const tool of tools) {
    const parent = tool.command.slice(0, -1).reduce((cmd, word) => subcommand(cmd, word), program);
    const leaf = parent.command(tool.command.at(-1)!).description(`${tool.title}. ${tool.description}`);
    addArguments(leaf, tool);
    leaf.option('--json', 'print the result as JSON');
    leaf.action((...params: unknown[]) => {
      const command = params.at(-1) as Command;
      const { json, ...options } = command.opts<{ json?: boolean } & Record<string, unknown>>();
      const args: Record<string, unknown> = { ...options };
      (tool.positionals ?? []).forEach((name, i) => {
        if (params[i] !== undefined) args[name] = params[i];
      });
      return onInvoke({ tool, args, json: json === true });
    });
  }
}

/** Reads argv (the words after `quimbot`, or after the `/` on a card) as a tool invocation. */
export function parseToolCommand(tools: readonly AnyTool[], argv: readonly string[]): ToolInvocation {
  let found: ToolInvocation | null = null;
  let output = '';
  const program = new Command('quimbot')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
  addToolCommands(program, tools, (invocation) => {
    found = invocation;
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') {
      throw new ToolError('UNKNOWN_TOOL', `/${argv.join(' ')}: not a tool command; \`quimbot ${argv.join(' ')} --help\` lists them`);
    }
    const message = output.trim().replace(/^error: /, '') || error.message;
    throw new ToolError('INVALID_ARGUMENT', `/${argv.join(' ')}: ${message}`);
  }
  if (!found) throw new ToolError('UNKNOWN_TOOL', `/${argv.join(' ')}: not a tool command`);
  return found;
}

function subcommand(parent: Command, word: string): Command {
  const existing = parent.commands.find((c) => c.name() === word);
  if (existing) return existing;
  return parent.command(word).description(TOOL_GROUPS[word] ?? word);
}

type InputSchema = { properties?: Record<string, PropertySchema>; required?: string[] };

// Every card's command builds the parser afresh; the tools' JSON schemas do not change, so they are made once.
const INPUT_SCHEMAS = new WeakMap<AnyTool, InputSchema>();

function inputSchema(tool: AnyTool): InputSchema {
  let schema = INPUT_SCHEMAS.get(tool);
  if (!schema) INPUT_SCHEMAS.set(tool, (schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as InputSchema));
  return schema;
}

function addArguments(command: Command, tool: AnyTool): void {
  const schema = inputSchema(tool);
  const properties = schema.properties ?? {};
  const positionals = tool.positionals ?? [];
  for (const name of positionals) {
    const prop = properties[name] ?? {};
    const required = schema.required?.includes(name) ?? false;
    const spec = prop.type === 'array' ? `${name}...` : name;
    command.addArgument(new Argument(required ? `<${spec}>` : `[${spec}]`, prop.description));
  }
  for (const [key, prop] of Object.entries(properties)) {
    if (positionals.includes(key)) continue;
    command.addOption(toOption(key, prop));
  }
}

function toOption(key: string, prop: PropertySchema): Option {
  const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const description = (prop.description ?? '') + (prop.default !== undefined ? ` (default: ${JSON.stringify(prop.default)})` : '');
  if (prop.type === 'boolean') {
    return prop.default === true ? new Option(`--no-${flag}`, description) : new Option(`--${flag}`, description);
  }
  if (prop.type === 'array') {
    return new Option(`--${flag} <value>`, `${description} (repeatable)`).argParser(
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    );
  }
  const option = new Option(`--${flag} <${prop.type === 'string' ? 'value' : 'n'}>`, description);
  if (prop.type === 'number' || prop.type === 'integer') option.argParser(toNumber);
  if (prop.enum) option.choices(prop.enum.map(String));
  return option;
}

function toNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || Number.isNaN(n)) throw new ToolError('INVALID_ARGUMENT', `"${value}" is not a number`);
  return n;
}
