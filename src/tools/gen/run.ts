import { z } from 'zod';
import { generate, planGeneration, readGenRecipe, rejectsFor, TokenCounter } from '../../pipeline/index.ts';
import type { GenRecipe, GenItem } from '../../pipeline/index.ts';
import { chat, costOf, ProviderError } from '../../providers/index.ts';
import { ToolError } from '../errors.ts';
import { providerRetryDelay, providersOf } from '../providers.ts';
import { defineTool } from '../tool.ts';

const usd = (n: number) => `$${n.toFixed(2)}`;

/** `gen run`: synthetic chat examples from a recipe, resumable, within a budget, gated by the audit's row checks. */
export const genRun = defineTool({
  name: 'gen_run',
  command: ['gen', 'run'],
  title: 'Generate synthetic examples',
  description:
    'Generates chat examples from a recipe (prompt template, seed lists, difficulty mix) through a configured provider, with concurrency, ' +
    "the provider's rate limits, and a budget in dollars and tokens checked before each request. Output is append-only JSONL with a stable id " +
    'and provenance per example; a rerun skips what is done. Each example must pass the audit row checks (rejects go to OUT.rejects.jsonl). ' +
    'A final provider error (401, 402, 403) stops the run with its reason.',
  positionals: ['recipe'],
  usesProviders: true,
  input: z.object({
    recipe: z.string().min(1).describe('generation recipe (YAML)'),
    dryRun: z.boolean().default(false).describe('print what would be asked for and its worst-case cost, call nothing'),
  }),
  output: z.object({
    recipe: z.string(),
    provider: z.string(),
    model: z.string(),
    out: z.string(),
    rejects: z.string(),
    dry_run: z.boolean(),
    requested: z.number().int(),
    skipped: z.number().int(),
    written: z.number().int(),
    rejected: z.number().int(),
    reject_reasons: z.record(z.string(), z.number().int()),
    remaining: z.number().int(),
    requests: z.number().int(),
    retries: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    spent_usd: z.number(),
    /** The most the remaining examples can cost (every answer at maxTokens). */
    worst_case_usd: z.number().nullable(),
    difficulty: z.record(z.string(), z.number().int()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const access = providersOf(context, 'gen run');
    const recipe = readGenRecipe(context.resolvePath(input.recipe));
    const price = recipe.price ?? access.prices[recipe.model];
    if (recipe.budget.usd !== undefined && !price) {
      throw new ToolError('INVALID_ARGUMENT', `${input.recipe}: budget.usd needs the price of ${recipe.model}: add price to the recipe or prices.${recipe.model} to quimbot.config.json`);
    }
    const prices = price ? { [recipe.model]: price } : {};
    const items = planGeneration(recipe);
    const estimate = new WorstCase(recipe, prices);
    const out = context.resolvePath(recipe.out);
    const base = { recipe: input.recipe, provider: recipe.provider, model: recipe.model, dry_run: input.dryRun };
    if (input.dryRun) {
      const worst = items.reduce((sum, item) => sum + estimate.of(item).usd, 0);
      return { ...base, out, rejects: rejectsFor(out), requested: items.length, skipped: 0, written: 0, rejected: 0, reject_reasons: {}, remaining: items.length, requests: 0, retries: 0, input_tokens: 0, output_tokens: 0, spent_usd: 0, worst_case_usd: price ? worst : null, difficulty: countBy(items) };
    }
    const result = await generate({
      recipe,
      items,
      out,
      estimate: (item) => estimate.of(item),
      retryDelay: providerRetryDelay,
      signal: context.signal,
      provenance: { provider: recipe.provider, model: recipe.model },
      onProgress: (p) => context.progress({ done: p.done, total: p.total, unit: 'examples', message: usd(p.spentUsd) }),
      async ask(item, signal) {
        const answer = await chat(access, {
          provider: recipe.provider,
          model: recipe.model,
          ...(recipe.system ? { system: recipe.system } : {}),
          messages: [{ role: 'user', content: item.prompt }],
          maxTokens: recipe.maxTokens,
          ...(recipe.temperature !== undefined ? { temperature: recipe.temperature } : {}),
          signal,
        });
        estimate.observe(item, answer.inputTokens);
        const costUsd = costOf(prices, recipe.model, answer.inputTokens, answer.outputTokens);
        access.usage({ provider: recipe.provider, model: recipe.model, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, costUsd });
        return { text: answer.text, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, costUsd };
      },
    });
    const progress = `${result.skipped + result.written + result.rejected} of ${result.requested} examples done (${result.written} written now), ${usd(result.spentUsd)} spent; run again to resume`;
    if (result.stop?.kind === 'error') {
      const error = result.stop.error;
      if (error instanceof ProviderError) throw new ProviderError(error.code, `${error.message}; ${progress}`, error.status, error.retryAfterMs);
      throw error;
    }
    if (result.stop?.kind === 'budget') throw new ProviderError('BUDGET_EXCEEDED', `${result.stop.reason}: stopped at ${progress}`);
    if (result.stop?.kind === 'cancelled') throw new ToolError('CANCELLED', `gen run cancelled: ${progress}`);
    return {
      ...base,
      out: result.out,
      rejects: result.rejects,
      requested: result.requested,
      skipped: result.skipped,
      written: result.written,
      rejected: result.rejected,
      reject_reasons: result.rejectReasons,
      remaining: result.remaining,
      requests: result.requests,
      retries: result.retries,
      input_tokens: result.inputTokens,
      output_tokens: result.outputTokens,
      spent_usd: result.spentUsd,
      worst_case_usd: null,
      difficulty: result.difficulty,
    };
  },
  summarize(r) {
    if (r.dry_run) {
      return `would ask ${r.model} (${r.provider}) for ${r.requested} examples into ${r.out}; worst case ${r.worst_case_usd === null ? 'unknown (no price for the model)' : usd(r.worst_case_usd)}${Object.keys(r.difficulty).length ? `; difficulty ${Object.entries(r.difficulty).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`;
    }
    const rejects = Object.entries(r.reject_reasons).map(([k, v]) => `${k} ${v}`).join(', ');
    return [
      `generated ${r.written} examples with ${r.model} (${r.rejected} rejected${rejects ? `: ${rejects}` : ''}; ${r.skipped} already done) for ${usd(r.spent_usd)}`,
      `  ${r.requests} requests, ${r.retries} retried, ${r.input_tokens.toLocaleString('en-US')} in / ${r.output_tokens.toLocaleString('en-US')} out tokens -> ${r.out}`,
    ].join('\n');
  },
});

/**
 * The most one request can cost: its prompt's tokens and a full answer. Our count of the prompt
 * is not the provider's (another tokenizer, chat framing), so it is scaled by the largest ratio
 * seen so far; the first request goes alone, so every later estimate is calibrated.
 */
class WorstCase {
  readonly #counter = new TokenCounter('o200k_base');
  readonly #system: number;
  #scale = 1.25;

  constructor(
    private readonly recipe: GenRecipe,
    private readonly prices: Record<string, { input: number; output: number }>,
  ) {
    this.#system = recipe.system ? this.#counter.count(recipe.system) : 0;
  }

  #counted(item: GenItem): number {
    return this.#system + this.#counter.count(item.prompt) + 16;
  }

  of(item: GenItem): { usd: number; tokens: number } {
    const input = Math.ceil(this.#counted(item) * this.#scale);
    return { usd: costOf(this.prices, this.recipe.model, input, this.recipe.maxTokens), tokens: input + this.recipe.maxTokens };
  }

  observe(item: GenItem, inputTokens: number): void {
    this.#scale = Math.max(this.#scale, (inputTokens / this.#counted(item)) * 1.05);
  }
}

function countBy(items: readonly GenItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) if (item.difficulty) counts[item.difficulty] = (counts[item.difficulty] ?? 0) + 1;
  return counts;
}
