import { relative } from 'node:path';
import type { Card } from '../board/index.ts';
import type { Logger } from '../log.ts';
import { runTool, workspaceResolver } from '../tools/index.ts';
import type { FineTuneModels } from '../tools/index.ts';
import type { ProviderAccess } from '../providers/index.ts';
import type { AnyTool } from '../tools/index.ts';
import type { AgentBackend, RunContext, RunResult, Usage } from './backend.ts';
import { classifyError, RunError } from './errors.ts';
import type { RunLog } from './run-log.ts';
import type { AgentSpec } from './spec.ts';

/** What one execution of a card needs from the runtime. */
export interface ExecuteOptions {
  card: Card;
  agent: AgentSpec;
  backend: AgentBackend;
  tools: readonly AnyTool[];
  workspace: string;
  signal: AbortSignal;
  runLog: RunLog;
  log: Logger;
  maxAttempts: number;
  /** Attempts already made (after a restart); the first try here is attempt `attempts + 1`. */
  attempts: number;
  backoff: (attempt: number, error: RunError) => number;
  onAttempt: (attempt: number, error: RunError | null) => Promise<void>;
  onUsage: (usage: Usage) => void;
  memory: RunContext['memory'];
  /** Providers for the tools that call models; their usage goes to `onUsage`. */
  providers?: Omit<ProviderAccess, 'usage'>;
  /** The configuration's fine-tuning prices and limits. */
  fineTuneModels?: FineTuneModels;
  /** A tool's milestone, for the card. */
  onPhase?: (phase: string) => void;
}

/** The end of an execution: a result, or the error that ended it, and how many attempts it took. */
export type Execution = { ok: true; result: RunResult; attempts: number } | { ok: false; error: RunError; attempts: number };

/**
 * Runs a card on a backend, retrying retryable failures with backoff (the provider's
 * `retry-after` when it gave one) until `maxAttempts`. Never throws: the caller writes the
 * outcome to the board either way.
 */
export async function execute(options: ExecuteOptions): Promise<Execution> {
  const { card, agent, signal, runLog } = options;
  const context: RunContext = {
    card,
    agent,
    prompt: promptFor(card),
    signal,
    tools: options.tools,
    workspace: options.workspace,
    log: options.log,
    output: (text) => runLog.write(text.endsWith('\n') ? text : `${text}\n`),
    usage: options.onUsage,
    memory: options.memory,
    callTool: async (name, args) => {
      const tool = options.tools.find((t) => t.name === name);
      if (!tool) throw new RunError('TOOL_FAILED', `${agent.name} may not use the tool "${name}"`, false);
      runLog.write(`$ ${tool.command.join(' ')} ${JSON.stringify(args)}\n`);
      const output = await runTool(tool, args, {
        workspace: options.workspace,
        resolvePath: workspaceResolver(options.workspace, true),
        signal,
        progress: (progress) => {
          if (progress.phase) {
            runLog.write(`# ${progress.phase}\n`);
            options.onPhase?.(progress.phase);
          }
        },
        log: options.log,
        ...(options.providers ? { providers: { ...options.providers, usage: options.onUsage } } : {}),
        ...(options.fineTuneModels ? { fineTuneModels: options.fineTuneModels } : {}),
      });
      return { output, summary: tool.summarize(output as never) };
    },
  };
  let attempt = options.attempts;
  for (;;) {
    attempt++;
    await options.onAttempt(attempt, null);
    // Cancelled while the attempt was being recorded (a person moved the card just as it was claimed).
    if (signal.aborted) return { ok: false, error: new RunError('CANCELLED', String(signal.reason ?? 'cancelled'), false), attempts: attempt };
    try {
      const result = await options.backend.run(context);
      return { ok: true, result, attempts: attempt };
    } catch (thrown) {
      const error = signal.aborted ? new RunError('CANCELLED', String(signal.reason ?? 'cancelled'), false) : classifyError(thrown);
      runLog.write(`! attempt ${attempt}: ${error.reason}${error.retryable ? ' (retryable)' : ''}\n`);
      if (!error.retryable || attempt >= options.maxAttempts) return { ok: false, error, attempts: attempt };
      await options.onAttempt(attempt, error);
      try {
        await sleep(options.backoff(attempt, error), signal);
      } catch {
        return { ok: false, error: new RunError('CANCELLED', String(signal.reason ?? 'cancelled'), false), attempts: attempt };
      }
    }
  }
}

/** The task as a model reads it: the card's own text. */
function promptFor(card: Card): string {
  return `Kanban card "${card.title}" (id ${card.id}, column ${card.column}):\n\n${card.text.trimEnd()}`;
}

/** Waits, or rejects as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A path as the board links it: relative to the board's directory, with forward slashes. */
export function linkFrom(boardDir: string, path: string): string {
  return relative(boardDir, path).split('\\').join('/');
}
