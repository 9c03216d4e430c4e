import { z } from 'zod';
import type { AnyTool } from '../../tools/index.ts';
import type { RunContext } from '../backend.ts';
import { RunError } from '../errors.ts';

/** A registry tool as a model sees it: name, description and a JSON Schema for its arguments. */
export interface ToolDef {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** The agent's tools in the shape every provider's tool definitions are made from. */
export function toolDefs(tools: readonly AnyTool[]): ToolDef[] {
  return tools.map((tool) => {
    const { $schema: _, ...schema } = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { name: tool.name, description: `${tool.title}. ${tool.description}`, schema };
  });
}

/** What the model is told about itself and the card. */
export function systemPrompt(context: RunContext): string {
  return [
    `You are ${context.agent.name}, the ${context.agent.role} agent of the Quimbot team, working from a Markdown Kanban board.`,
    'Do the work the card asks for with the tools you have; paths are relative to the workspace.',
    'When you are finished, end your reply with one line that states the outcome (counts, files written); it is written on the card.',
  ].join('\n');
}

/** Runs a tool the model asked for; a failure goes back to the model as an error result, not out of the loop. */
export async function callForModel(context: RunContext, name: string, args: unknown): Promise<{ content: string; isError: boolean }> {
  try {
    const { summary } = await context.callTool(name, args);
    return { content: summary, isError: false };
  } catch (error) {
    if (context.signal.aborted) throw error;
    return { content: `error: ${(error as Error).message}`, isError: true };
  }
}

/** Turn and token limits of one run. */
export class Budget {
  turns = 0;
  tokens = 0;
  constructor(private readonly context: RunContext) {}

  /** Counts a model call; BUDGET_EXCEEDED when the run has used its turns or tokens. */
  spend(inputTokens: number, outputTokens: number): void {
    this.turns++;
    this.tokens += inputTokens + outputTokens;
    const { maxTurns, budgetTokens } = this.context.agent;
    if (this.tokens > budgetTokens) throw new RunError('BUDGET_EXCEEDED', `used ${this.tokens} tokens, over the budget of ${budgetTokens}`, false);
    if (this.turns >= maxTurns) throw new RunError('BUDGET_EXCEEDED', `still calling tools after ${maxTurns} turns`, false);
  }
}

/** The card's one-line result: the last non-empty line of the model's final text. */
export function summaryOf(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'done';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** The API key from the agent's environment variable; a clear final error when it is missing. */
export function apiKey(context: RunContext, fallbackEnv: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = context.agent.apiKeyEnv ?? fallbackEnv;
  const key = env[name];
  if (!key) throw new RunError('PROVIDER_ERROR', `no API key: set ${name}`, false);
  return key;
}
