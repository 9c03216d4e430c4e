import { z } from 'zod';
import { CLEAN_RULES } from '../clean.ts';
import { DEDUP_SCOPES } from '../dedup-plan.ts';
import type { DedupScope } from '../dedup-plan.ts';
import { FORMATS } from '../formats.ts';
import { ON_SHORT } from '../mix-plan.ts';

const Name = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'a name of letters, digits, _ . -');

/** An expected row count: exact, or within a tolerance of rows (`5`) or a share (`2%`). */
export const Expect = z.union([
  z.number().int().min(0),
  z.object({ rows: z.number().int().min(0), tolerance: z.union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, 'rows, or a share like "2%"')]).default(0) }).strict(),
]);
/** An expected count as written. */
export type Expect = z.infer<typeof Expect>;

const common = { name: Name, expect: Expect.optional() };

/** One step of a recipe: what it does, what it reads (sources or earlier steps), what it should yield. */
export const RecipeStep = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('clean'), inputs: z.array(Name).min(1), drop: z.array(z.enum(CLEAN_RULES)).optional(), model: z.string().optional() }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('dedup'),
      inputs: z.array(Name).min(1),
      /** Not given: cross-source, or within-source when there are `groups`. */
      scope: z.enum(DEDUP_SCOPES).optional(),
      /** Inputs deduplicated together, each group two or more of the step's inputs; every other input against itself. */
      groups: z.array(z.array(Name)).optional(),
      near: z.boolean().default(false),
      threshold: z.number().gt(0).max(1).default(0.8),
    })
    .strict()
    .superRefine(checkGroups),
  z.object({ ...common, kind: z.literal('scrub'), input: Name, consistent: z.boolean().default(false) }).strict(),
  z.object({ ...common, kind: z.literal('convert'), input: Name, to: z.enum(FORMATS) }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('mix'),
      sources: z.record(Name, z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?%$/, 'a weight or a percentage like "40%"')])),
      total: z.union([z.number().int().positive(), z.literal('max')]),
      replacement: z.boolean().default(false),
      onShort: z.enum(ON_SHORT).optional(),
      seed: z.union([z.string(), z.number()]).optional(),
    })
    .strict(),
]);
/** A step as written. */
export type RecipeStep = z.infer<typeof RecipeStep>;

/** The scope a dedup step runs with: as given, else cross-source, or within-source beside its groups. */
export function dedupScope(step: { scope?: DedupScope | undefined; groups?: readonly string[][] | undefined }): DedupScope {
  return step.scope ?? (step.groups ? 'within-source' : 'cross-source');
}

/** A dedup step's groups: each names two or more of its inputs, an input is in one group, and the scope is within-source. */
function checkGroups(step: { inputs: string[]; scope?: DedupScope | undefined; groups?: string[][] | undefined }, ctx: z.RefinementCtx): void {
  if (!step.groups) return;
  if (step.scope === 'cross-source') {
    ctx.addIssue({ code: 'custom', path: ['groups'], message: 'groups apply with scope within-source (the scope when groups are given); cross-source already dedups every input together' });
    return;
  }
  const groupOf = new Map<string, number>();
  step.groups.forEach((group, g) => {
    group.forEach((name, i) => {
      const earlier = groupOf.get(name);
      if (!step.inputs.includes(name)) ctx.addIssue({ code: 'custom', path: ['groups', g, i], message: `"${name}" is not one of this step's inputs (${step.inputs.join(', ')})` });
      else if (earlier !== undefined && earlier !== g) ctx.addIssue({ code: 'custom', path: ['groups', g, i], message: `"${name}" is already in group ${earlier}; an input may be in one group only` });
      else groupOf.set(name, g);
    });
    if (new Set(group).size < 2) ctx.addIssue({ code: 'custom', path: ['groups', g], message: "expected two or more of the step's inputs, deduplicated together" });
  });
}

/** A build recipe: named input files, steps over them, and where the outputs go. */
export const Recipe = z
  .object({
    recipe: Name,
    /** The build root: `sources/`, `combined/` and `mixes/` go under it. */
    out: z.string().min(1),
    seed: z.union([z.string(), z.number()]).default('0'),
    sources: z.record(Name, z.union([z.string().min(1), z.object({ path: z.string().min(1), expect: Expect.optional() }).strict()])),
    steps: z.array(RecipeStep).min(1),
  })
  .strict();
/** A recipe as written. */
export type Recipe = z.infer<typeof Recipe>;
