import type { z } from 'zod';
import type { Logger } from '../log.ts';
import type { FineTuneModels } from '../pipeline/index.ts';
import type { ProviderAccess } from '../providers/index.ts';

/** A progress report from a long tool run. */
export interface Progress {
  done: number;
  total?: number;
  unit?: string;
  message?: string;
  /** A milestone people should see where the work is tracked (a fine-tune job's phase): a line on the card, a line on the terminal. */
  phase?: string;
}

/** What every tool run gets from its caller (CLI, agent, MCP, A2A): I/O it may use, passed in. */
export interface ToolContext {
  /** The directory relative paths resolve against. */
  workspace: string;
  /** Resolves a path from the caller; throws PATH_OUTSIDE_WORKSPACE when confined and it escapes. */
  resolvePath(path: string): string;
  signal: AbortSignal;
  progress(progress: Progress): void;
  log: Logger;
  /** Model providers, their prices and the cost ledger, for the tools that call models (gen, ft, eval). */
  providers?: ProviderAccess;
  /** Fine-tuning prices and limits the configuration adds or changes (for the tools that say `usesFineTuneModels`). */
  fineTuneModels?: FineTuneModels;
  /** Asks the person at the terminal a yes/no question; absent where no one can answer (agents, MCP). */
  confirm?(question: string): Promise<boolean>;
}

/** MCP-style hints about what a tool does to the world. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
}

/** One tool: its name, its CLI words, its input and output schemas, and its handler. */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  /** Registry name, e.g. `board_move` (the MCP and A2A name). */
  name: string;
  /** The CLI words after `quimbot`, e.g. `['board', 'move']`; cards use the same words. */
  command: readonly string[];
  title: string;
  description: string;
  /** Input fields taken from positional words, in order; the last may be an array. */
  positionals?: readonly string[];
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(input: z.output<I>, context: ToolContext): Promise<z.output<O>>;
  /** A short text for people (the CLI's default output, MCP's text content). */
  summarize(output: z.output<O>): string;
  /** Calls model providers: the caller must pass `providers` in the context. */
  usesProviders?: boolean;
  /** Reads fine-tuning prices or limits: the caller passes the configuration's `fineTuneModels`. */
  usesFineTuneModels?: boolean;
  /** Exit status for the CLI when the run itself succeeded: 1 when it found problems. */
  exitCode?(output: z.output<O>): number;
}

/** Any registered tool. */
export type AnyTool = ToolDefinition<z.ZodObject, z.ZodType>;

/** Declares a tool with its types checked; the registry collects them. */
export function defineTool<I extends z.ZodObject, O extends z.ZodType>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return tool;
}
