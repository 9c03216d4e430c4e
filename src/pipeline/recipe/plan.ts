import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecipeFile } from '../recipe-file.ts';
import { Recipe } from './schema.ts';
import type { Expect, RecipeStep } from './schema.ts';

/** The output directories of a build, the seed board's three tiers. */
export const TIERS = ['sources', 'combined', 'mixes'] as const;
/** Where a step's output goes: one source's rows, several sources combined, or a mix. */
export type Tier = (typeof TIERS)[number];

/** A recipe with its names resolved: inputs with their files, steps with their outputs. */
export interface RecipePlan {
  recipe: string;
  out: string;
  seed: string;
  inputs: Array<{ name: string; path: string; exists: boolean; bytes: number | null; expect: Expect | null }>;
  steps: Array<{ name: string; kind: RecipeStep['kind']; reads: string[]; tier: Tier; output: string; expect: Expect | null; step: RecipeStep }>;
  problems: string[];
}

/** Reads a build recipe file (YAML or JSON); INVALID_RECIPE names the file and every field that is wrong. */
export function readRecipe(path: string): Recipe {
  return readRecipeFile(path, Recipe);
}

/**
 * Resolves a recipe against the workspace: every name a step reads must be a source or an
 * earlier step; input files are checked. Outputs go to `out/<tier>/<step>.jsonl`, the seed
 * board's three-tier layout.
 */
export function planRecipe(recipe: Recipe, resolvePath: (path: string) => string): RecipePlan {
  const problems: string[] = [];
  const known = new Set<string>();
  const inputs = Object.entries(recipe.sources).map(([name, spec]) => {
    known.add(name);
    const path = resolvePath(typeof spec === 'string' ? spec : spec.path);
    const exists = existsSync(path);
    if (!exists) problems.push(`source "${name}": ${path} does not exist`);
    return { name, path, exists, bytes: exists ? statSync(path).size : null, expect: typeof spec === 'string' ? null : (spec.expect ?? null) };
  });
  const out = resolvePath(recipe.out);
  const steps = recipe.steps.map((step) => {
    const reads = step.kind === 'mix' ? Object.keys(step.sources) : 'inputs' in step ? step.inputs : [step.input];
    for (const name of reads) if (!known.has(name)) problems.push(`step "${step.name}" reads "${name}", which is no source or earlier step`);
    if (known.has(step.name)) problems.push(`step "${step.name}": the name is already taken`);
    known.add(step.name);
    const tier: Tier = step.kind === 'mix' ? 'mixes' : reads.length > 1 ? 'combined' : 'sources';
    return { name: step.name, kind: step.kind, reads, tier, output: join(out, tier, `${step.name}.jsonl`), expect: step.expect ?? null, step };
  });
  return { recipe: recipe.recipe, out, seed: String(recipe.seed), inputs, steps, problems };
}

/** Whether a count meets its expectation, and the expectation in words. */
export function meets(rows: number, expect: Expect): { ok: boolean; wanted: string } {
  const want = typeof expect === 'number' ? { rows: expect, tolerance: 0 } : expect;
  const slack = typeof want.tolerance === 'string' ? Math.floor((want.rows * Number(want.tolerance.slice(0, -1))) / 100) : want.tolerance;
  return { ok: Math.abs(rows - want.rows) <= slack, wanted: slack ? `${want.rows} ± ${slack}` : `${want.rows}` };
}
