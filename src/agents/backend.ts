import type { Card } from '../board/index.ts';
import type { Logger } from '../log.ts';
import type { Usage } from '../providers/index.ts';
import type { AnyTool } from '../tools/index.ts';
import type { AgentSpec } from './spec.ts';


/** What a backend gets for one run: the card, the agent, and the I/O it may use. */
export interface RunContext {
  card: Card;
  agent: AgentSpec;
  /** The task in words: the card's text, for backends that talk to a model. */
  prompt: string;
  /** Aborted when a human moves the card away, the daemon stops, or the run times out. */
  signal: AbortSignal;
  /** The tools this agent may call (by registry name). */
  tools: readonly AnyTool[];
  /** Runs a registry tool with validated arguments, confined to the workspace. */
  callTool(name: string, args: unknown): Promise<{ output: unknown; summary: string }>;
  /** Appends to the run's log. */
  output(text: string): void;
  /** Records a provider call's usage in the ledger. */
  usage(usage: Usage): void;
  /** The workspace directory. */
  workspace: string;
  /** Values kept with the card across a restart until its run ends (e.g. a peer's message id, to resend the same one). */
  memory: { get(key: string): string | undefined; set(key: string, value: string): Promise<void> };
  log: Logger;
}

/** What a successful run reports: one line for the card, and files to link. */
export interface RunResult {
  summary: string;
  links?: string[];
}

/** A way of doing a card's work: the offline tool runner, a model's tool-use loop, or an external CLI. */
export interface AgentBackend {
  readonly kind: string;
  run(context: RunContext): Promise<RunResult>;
}

export type { Usage };
