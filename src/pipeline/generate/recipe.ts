import { z } from 'zod';
import { readRecipeFile } from '../recipe-file.ts';

/** The row checks an example must pass before it is written. */
export const GATE_RULES = ['format', 'empty-assistant', 'alternation', 'no-final-punct', 'pii', 'exact-duplicate'] as const;
/** One gate rule. */
export type GateRule = (typeof GATE_RULES)[number];

/**
 * A generation recipe: what to ask which model, how often, with which seed values, and how
 * much it may spend. `{name}` in the prompt is filled from `seeds.name` (or the difficulty).
 */
export const GenRecipe = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'a name like toefl-synth (letters, digits, _ and -)'),
    /** A provider from the config's `providers` (openai, anthropic, openrouter, or one of yours). */
    provider: z.string().min(1).default('anthropic'),
    model: z.string().min(1),
    /** The JSONL the examples are appended to (relative to the workspace). */
    out: z.string().min(1),
    count: z.number().int().min(1).max(10_000_000),
    concurrency: z.number().int().min(1).max(64).default(4),
    maxTokens: z.number().int().min(1).max(200_000).default(1024),
    temperature: z.number().min(0).max(2).optional(),
    /** The system prompt the generator model gets. */
    system: z.string().optional(),
    /** A system message written into each example, before the user turn. */
    exampleSystem: z.string().optional(),
    /** `answer`: the example is the prompt and the model's reply. `conversation`: the model writes the whole conversation as JSON `{"messages": […]}`. */
    mode: z.enum(['answer', 'conversation']).default('answer'),
    prompt: z.string().min(1),
    seeds: z.record(z.string().regex(/^\w+$/), z.array(z.string().min(1)).min(1)).default({}),
    /** The difficulty mix asked for, as weights (the seed report's "25% hard, 30% easy"). */
    difficulty: z.record(z.string().min(1), z.number().min(0)).optional(),
    budget: z.object({ usd: z.number().positive().optional(), tokens: z.number().int().positive().optional() }).strict().default({}),
    /** US$ per million tokens, when the config's `prices` does not know the model. */
    price: z.object({ input: z.number().min(0), output: z.number().min(0) }).strict().optional(),
    gate: z.array(z.enum(GATE_RULES)).default(['format', 'empty-assistant', 'alternation', 'no-final-punct', 'exact-duplicate']),
    /** How many times one request is tried on a rate limit or a server error before the run stops. */
    retries: z.number().int().min(0).max(20).default(6),
    seed: z.union([z.string(), z.number()]).transform(String).default('0'),
  })
  .strict()
  .superRefine((recipe, ctx) => {
    for (const name of placeholders(recipe.prompt)) {
      if (name === 'difficulty' ? !recipe.difficulty : !(name in recipe.seeds)) {
        ctx.addIssue({ code: 'custom', path: ['prompt'], message: `{${name}} has no values: add seeds.${name}${name === 'difficulty' ? ' or difficulty' : ''}` });
      }
    }
    if (recipe.difficulty && !Object.values(recipe.difficulty).some((w) => w > 0)) {
      ctx.addIssue({ code: 'custom', path: ['difficulty'], message: 'at least one difficulty needs a weight above 0' });
    }
  });
/** A validated generation recipe. */
export type GenRecipe = z.output<typeof GenRecipe>;

/** The `{name}` placeholders of a template, in order, once each. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))];
}

/** Reads and validates a generation recipe; FILE_NOT_FOUND or INVALID_RECIPE naming the file and each field. */
export function readGenRecipe(path: string): GenRecipe {
  return readRecipeFile(path, GenRecipe);
}
