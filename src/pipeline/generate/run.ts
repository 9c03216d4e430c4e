import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashValue } from '../canonical.ts';
import { HashIndex } from '../hash-index.ts';
import { readJsonl } from '../jsonl.ts';
import { exampleMessages, gateProblems } from './example.ts';
import type { GenItem } from './plan.ts';
import type { GenRecipe } from './recipe.ts';

/** What one request gave back. */
export interface GenAnswer {
  text: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Everything a generation run needs from outside: the model call and how to judge its failures. */
export interface GenerateOptions {
  recipe: GenRecipe;
  items: readonly GenItem[];
  /** The examples file (resolved); rejects go beside it in `….rejects.jsonl`. */
  out: string;
  ask(item: GenItem, signal: AbortSignal): Promise<GenAnswer>;
  /** The most one request can cost (its prompt's tokens and `maxTokens` of answer), checked against the budget before it is sent. */
  estimate(item: GenItem): { usd: number; tokens: number };
  /** How long to wait before trying a failed request again, or null when the failure is final (401, 402, 403). */
  retryDelay(error: unknown, attempt: number): number | null;
  signal: AbortSignal;
  onProgress?(progress: { done: number; total: number; spentUsd: number }): void;
  provenance: { provider: string; model: string };
}

/** How a run ended: every example asked for, or stopped by the budget, a final error, or a cancel. */
export type GenStop = null | { kind: 'budget' | 'cancelled'; reason: string } | { kind: 'error'; reason: string; error: unknown };

/** What a run did: counts of this run and before it, spend, and why it stopped. */
export interface GenerateResult {
  out: string;
  rejects: string;
  requested: number;
  /** Examples written or rejected by earlier runs, skipped now. */
  skipped: number;
  written: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  remaining: number;
  requests: number;
  retries: number;
  inputTokens: number;
  outputTokens: number;
  spentUsd: number;
  /** Examples per difficulty written by this run. */
  difficulty: Record<string, number>;
  stop: GenStop;
}

/**
 * Generates the recipe's examples that are not yet in the output (or its rejects), appending
 * each one as soon as it passes the gate, so a crash or Ctrl-C loses at most the requests in
 * flight. Requests start only while the budget still holds their worst case; a rate limit
 * pauses every worker for the provider's retry-after; a final error stops new requests and
 * lets the ones in flight finish.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { recipe, out } = options;
  const rejectsPath = rejectsFor(out);
  const seen = new HashIndex();
  const done = new Set<string>();
  await readDone(out, done, seen);
  await readDone(rejectsPath, done, null);
  const todo = options.items.filter((item) => !done.has(item.id));
  const result: GenerateResult = {
    out,
    rejects: rejectsPath,
    requested: options.items.length,
    skipped: options.items.length - todo.length,
    written: 0,
    rejected: 0,
    rejectReasons: {},
    remaining: todo.length,
    requests: 0,
    retries: 0,
    inputTokens: 0,
    outputTokens: 0,
    spentUsd: 0,
    difficulty: {},
    stop: null,
  };
  if (todo.length === 0) return result;

  await mkdir(dirname(out), { recursive: true });
  const examples = await open(out, 'a');
  const rejects = await open(rejectsPath, 'a');
  const inner = new AbortController();
  // Every request in flight listens on it: as many as the recipe's concurrency, which may pass
  // Node's warning at 10 listeners.
  setMaxListeners(recipe.concurrency + 10, inner.signal);
  const abort = () => inner.abort(options.signal.reason);
  options.signal.addEventListener('abort', abort, { once: true });
  const budget = recipe.budget;
  const reserved = { usd: 0, tokens: 0 };
  let spentTokens = 0;
  let next = 0;
  let inFlight = 0;
  let pausedUntil = 0;
  const waiters: Array<() => void> = [];
  // One request goes first: a provider that refuses (no credit, a bad key) gets one request, not one per worker.
  let answered: () => void = () => {};
  const firstAnswer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const settled = () => waiters.splice(0).forEach((wake) => wake());
  const stop = (value: NonNullable<GenStop>) => {
    result.stop ??= value;
  };
  const fits = (cost: { usd: number; tokens: number }) =>
    (budget.usd === undefined || result.spentUsd + reserved.usd + cost.usd <= budget.usd + 1e-12) &&
    (budget.tokens === undefined || spentTokens + reserved.tokens + cost.tokens <= budget.tokens);

  const record = async (item: GenItem, answer: GenAnswer) => {
    const made = exampleMessages(recipe, item, answer.text);
    const reasons: string[] = 'reject' in made ? [made.reject] : gateProblems(recipe.gate, made.messages);
    if ('messages' in made && reasons.length === 0 && recipe.gate.includes('exact-duplicate')) {
      const [hi, lo] = hashValue(made.messages);
      if (seen.add(hi, lo, item.index) !== -1) reasons.push('exact-duplicate');
    }
    const provenance = {
      ...options.provenance,
      recipe: recipe.name,
      prompt_hash: item.id.slice(-8),
      usage: { input_tokens: answer.inputTokens, output_tokens: answer.outputTokens, cost_usd: round(answer.costUsd) },
      created_at: new Date().toISOString(),
    };
    if (reasons.length === 0 && 'messages' in made) {
      const row = { id: item.id, messages: made.messages, ...(item.difficulty ? { difficulty: item.difficulty } : {}), seed: item.values, provenance };
      await examples.write(`${JSON.stringify(row)}\n`);
      result.written++;
      if (item.difficulty) result.difficulty[item.difficulty] = (result.difficulty[item.difficulty] ?? 0) + 1;
      return;
    }
    for (const reason of reasons) result.rejectReasons[reason] = (result.rejectReasons[reason] ?? 0) + 1;
    await rejects.write(`${JSON.stringify({ id: item.id, reasons, text: answer.text.slice(0, 2000), provenance })}\n`);
    result.rejected++;
  };

  const attempt = async (item: GenItem): Promise<void> => {
    for (let tries = 0; ; tries++) {
      const wait = pausedUntil - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: inner.signal });
      try {
        result.requests++;
        const answer = await options.ask(item, inner.signal);
        result.inputTokens += answer.inputTokens;
        result.outputTokens += answer.outputTokens;
        result.spentUsd += answer.costUsd;
        spentTokens += answer.inputTokens + answer.outputTokens;
        await record(item, answer);
        answered();
        return;
      } catch (error) {
        if (inner.signal.aborted) throw error;
        const delay = tries < recipe.retries ? options.retryDelay(error, tries) : null;
        if (delay === null) {
          stop({ kind: 'error', reason: (error as Error).message ?? String(error), error });
          answered();
          return;
        }
        result.retries++;
        pausedUntil = Math.max(pausedUntil, Date.now() + delay);
      }
    }
  };

  const worker = async (_: unknown, index: number) => {
    if (index > 0) await firstAnswer;
    while (next < todo.length && result.stop === null && !inner.signal.aborted) {
      const item = todo[next]!;
      const cost = options.estimate(item);
      if (!fits(cost)) {
        // Requests in flight may cost less than their worst case: see what is left when one settles.
        if (inFlight === 0) {
          const cap = budget.usd !== undefined && result.spentUsd + cost.usd > budget.usd ? `$${budget.usd.toFixed(2)}` : `${budget.tokens?.toLocaleString('en-US')} tokens`;
          stop({ kind: 'budget', reason: `the budget of ${cap} would be crossed by the next request` });
          break;
        }
        await new Promise<void>((wake) => waiters.push(wake));
        continue;
      }
      next++;
      reserved.usd += cost.usd;
      reserved.tokens += cost.tokens;
      inFlight++;
      try {
        await attempt(item);
      } finally {
        inFlight--;
        reserved.usd -= cost.usd;
        reserved.tokens -= cost.tokens;
        options.onProgress?.({ done: result.skipped + result.written + result.rejected, total: result.requested, spentUsd: result.spentUsd });
        settled();
      }
    }
    settled();
  };

  try {
    const workers = Array.from({ length: Math.min(recipe.concurrency, todo.length) }, worker);
    const first = workers[0]!.finally(answered);
    const outcomes = await Promise.allSettled([first, ...workers.slice(1)]);
    if (inner.signal.aborted) stop({ kind: 'cancelled', reason: 'cancelled' });
    else {
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } finally {
    options.signal.removeEventListener('abort', abort);
    await examples.close();
    await rejects.close();
  }
  result.remaining = todo.length - result.written - result.rejected;
  result.spentUsd = round(result.spentUsd);
  return result;
}

/** Where the examples that failed the gate go: beside the output, `OUT.rejects.jsonl`. */
export function rejectsFor(out: string): string {
  return `${out.replace(/\.jsonl$/i, '')}.rejects.jsonl`;
}

/** Ids already in a file; a last line cut short by a crash is cut off so the next append starts clean. */
async function readDone(path: string, ids: Set<string>, seen: HashIndex | null): Promise<void> {
  if (!existsSync(path)) return;
  let cut = false;
  for await (const batch of readJsonl(path)) {
    for (const line of batch) {
      if (line.issue === 'truncated') cut = true;
      if (line.issue !== null) continue;
      const value = parseRow(line.text);
      if (typeof value?.id === 'string') ids.add(value.id);
      if (seen && value?.messages) {
        const [hi, lo] = hashValue(value.messages);
        seen.add(hi, lo, line.line);
      }
    }
  }
  await endWithNewline(path, cut);
}

/** A line as a row; a line that is not JSON was not written by us: it stays, and nothing is skipped for it. */
function parseRow(text: string): { id?: unknown; messages?: unknown } | null {
  try {
    return JSON.parse(text) as { id?: unknown; messages?: unknown } | null;
  } catch {
    return null;
  }
}

/** Makes the file end with a newline: a cut-short last line is removed, a complete one gets its newline. */
async function endWithNewline(path: string, cutLastLine: boolean): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, end - start).lastIndexOf(10);
      if (at !== -1) {
        const afterNewline = start + at + 1;
        if (afterNewline === size) return;
        if (cutLastLine) await handle.truncate(afterNewline);
        else await handle.write('\n', size);
        return;
      }
      if (!cutLastLine) break;
      end = start;
    }
    if (size === 0) return;
    if (cutLastLine) await handle.truncate(0);
    else await handle.write('\n', size);
  } finally {
    await handle.close();
  }
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
