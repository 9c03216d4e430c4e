import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { readRows, toChatRow } from '../../pipeline/index.ts';
import { chat, costOf, ProviderError } from '../../providers/index.ts';
import type { ChatAnswer, ProviderAccess } from '../../providers/index.ts';
import { ToolError } from '../errors.ts';
import { providerRetryDelay, providersOf } from '../providers.ts';
import { defineTool } from '../tool.ts';
import type { ToolContext } from '../tool.ts';

/** One prompt of the eval: the conversation up to the last user turn, and the file's own answer when it has one. */
interface EvalPrompt {
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  system?: string;
  reference: string | null;
}

const Side = z.object({
  model: z.string(),
  mean_words: z.number(),
  mean_latency_ms: z.number(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
});

/** `eval quick`: the same prompts to a base and a tuned model, side by side in Markdown. */
export const evalQuick = defineTool({
  name: 'eval_quick',
  command: ['eval', 'quick'],
  title: 'Quick side-by-side eval',
  description:
    'Sends the same prompts (JSONL chat rows, cut before their last assistant turn, or a text file with one prompt per line) to a base and a ' +
    'fine-tuned model and writes a side-by-side Markdown report: answer lengths, latency, tokens, cost, and both answers beside the reference.',
  usesProviders: true,
  input: z.object({
    base: z.string().min(1).describe('the base model'),
    tuned: z.string().min(1).describe('the fine-tuned model (ft:…)'),
    prompts: z.string().min(1).describe('prompts: JSONL chat rows or one prompt per line'),
    n: z.number().int().min(1).max(1000).default(10).describe('how many prompts'),
    provider: z.string().min(1).default('openai').describe('the provider serving both models'),
    maxTokens: z.number().int().min(1).default(512).describe('the longest answer asked for'),
    out: z.string().min(1).optional().describe('the report (default: reports/eval-<tuned>.md)'),
  }),
  output: z.object({ out: z.string(), prompts: z.number().int(), base: Side, tuned: Side }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(input, context) {
    const access = providersOf(context, 'eval quick');
    const prompts = await readPrompts(context.resolvePath(input.prompts), input.n, context.signal);
    if (prompts.length === 0) throw new ToolError('INVALID_ARGUMENT', `${input.prompts}: no prompts in it`);
    const answers: Array<[Timed, Timed]> = [];
    for (const [i, prompt] of prompts.entries()) {
      answers.push(await Promise.all([ask(access, input, input.base, prompt, context), ask(access, input, input.tuned, prompt, context)]));
      context.progress({ done: i + 1, total: prompts.length, unit: 'prompts' });
    }
    const side = (model: string, k: 0 | 1): z.output<typeof Side> => {
      const list = answers.map((pair) => pair[k]);
      return {
        model,
        mean_words: round(mean(list.map((a) => words(a.text)))),
        mean_latency_ms: round(mean(list.map((a) => a.latencyMs))),
        input_tokens: sum(list.map((a) => a.inputTokens)),
        output_tokens: sum(list.map((a) => a.outputTokens)),
        cost_usd: round(sum(list.map((a) => a.costUsd)), 6),
      };
    };
    const base = side(input.base, 0);
    const tuned = side(input.tuned, 1);
    const out = context.resolvePath(input.out ?? `reports/eval-${input.tuned.replace(/[^A-Za-z0-9._-]+/g, '_')}.md`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, markdown(input.prompts, prompts, answers, base, tuned));
    return { out: relative(context.workspace, out), prompts: prompts.length, base, tuned };
  },
  summarize: (r) =>
    [
      `compared ${r.base.model} and ${r.tuned.model} on ${r.prompts} prompts -> ${r.out}`,
      `  ${'words'.padEnd(12)} ${String(r.base.mean_words).padStart(10)} ${String(r.tuned.mean_words).padStart(10)}`,
      `  ${'latency ms'.padEnd(12)} ${String(r.base.mean_latency_ms).padStart(10)} ${String(r.tuned.mean_latency_ms).padStart(10)}`,
      `  ${'cost $'.padEnd(12)} ${r.base.cost_usd.toFixed(4).padStart(10)} ${r.tuned.cost_usd.toFixed(4).padStart(10)}`,
    ].join('\n'),
});

type Timed = ChatAnswer & { costUsd: number };

/** One model's answer, tried again after a rate limit; a final refusal stops the eval with the provider's reason. */
async function ask(access: ProviderAccess, input: { provider: string; maxTokens: number }, model: string, prompt: EvalPrompt, context: ToolContext): Promise<Timed> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await chat(access, { provider: input.provider, model, messages: prompt.messages, maxTokens: input.maxTokens, ...(prompt.system ? { system: prompt.system } : {}), signal: context.signal });
      const costUsd = costOf(access.prices, model, answer.inputTokens, answer.outputTokens);
      access.usage({ provider: input.provider, model, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, costUsd });
      return { ...answer, costUsd };
    } catch (error) {
      const delay = attempt < 4 && error instanceof ProviderError ? providerRetryDelay(error, attempt) : null;
      if (delay === null || context.signal.aborted) throw error;
      await sleep(delay, undefined, { signal: context.signal });
    }
  }
}

/** The first `n` prompts of a JSONL file of chat rows, or of a text file with one per line. */
async function readPrompts(path: string, n: number, signal: AbortSignal): Promise<EvalPrompt[]> {
  if (!/\.jsonl(\.gz)?$/i.test(path)) {
    const text = await readFile(path, 'utf8').catch(() => {
      throw new ToolError('INVALID_ARGUMENT', `${path}: cannot read the prompts`);
    });
    return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, n).map((line) => ({ messages: [{ role: 'user', content: line }], reference: null }));
  }
  const prompts: EvalPrompt[] = [];
  for await (const row of readRows([path], { signal })) {
    const chatRow = row.chat ?? (row.value ? toChatRow(row.value) : null);
    if (!chatRow) continue;
    const lastUser = chatRow.messages.findLastIndex((m) => m.role === 'user');
    if (lastUser === -1) continue;
    const system = chatRow.messages.find((m) => m.role === 'system')?.content;
    const turns = chatRow.messages.slice(0, lastUser + 1).filter((m) => m.role === 'user' || m.role === 'assistant') as EvalPrompt['messages'];
    const reference = chatRow.messages.slice(lastUser + 1).find((m) => m.role === 'assistant')?.content ?? null;
    prompts.push({ messages: turns.map((m) => ({ role: m.role, content: m.content })), ...(system ? { system } : {}), reference });
    if (prompts.length >= n) break;
  }
  return prompts;
}

function markdown(source: string, prompts: EvalPrompt[], answers: Array<[Timed, Timed]>, base: z.output<typeof Side>, tuned: z.output<typeof Side>): string {
  const lines = [
    `# Quick eval: ${tuned.model} vs ${base.model}`,
    '',
    `${prompts.length} prompts from \`${source}\`.`,
    '',
    `| | base: ${base.model} | tuned: ${tuned.model} |`,
    '| --- | ---: | ---: |',
    `| mean answer words | ${base.mean_words} | ${tuned.mean_words} |`,
    `| mean latency (ms) | ${base.mean_latency_ms} | ${tuned.mean_latency_ms} |`,
    `| tokens in / out | ${base.input_tokens} / ${base.output_tokens} | ${tuned.input_tokens} / ${tuned.output_tokens} |`,
    `| cost | $${base.cost_usd.toFixed(4)} | $${tuned.cost_usd.toFixed(4)} |`,
  ];
  prompts.forEach((prompt, i) => {
    const [a, b] = answers[i]!;
    const asked = prompt.messages.at(-1)!.content;
    lines.push('', `## ${i + 1}. ${oneLine(asked)}`, '', quote(asked));
    if (prompt.reference !== null) lines.push('', '**Reference**', '', quote(prompt.reference));
    lines.push('', `**Base** (${words(a.text)} words, ${Math.round(a.latencyMs)} ms)`, '', quote(a.text), '', `**Tuned** (${words(b.text)} words, ${Math.round(b.latencyMs)} ms)`, '', quote(b.text));
  });
  return `${lines.join('\n')}\n`;
}

const quote = (text: string) => text.trim().split('\n').map((l) => `> ${l}`).join('\n');
const oneLine = (text: string) => {
  const line = text.trim().split('\n')[0]!;
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
};
const words = (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
