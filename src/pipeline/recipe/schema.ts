import { z } from 'zod';
import { CLEAN_RULES } from '../clean.ts';
import { DEDUP_SCOPES } from '../dedup-plan.ts';
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
  z.object({ ...common, kind: z.literal('dedup'), inputs: z.array(Name).min(1), scope: z.enum(DEDUP_SCOPES).default('cross-source'), near: z.boolean().default(false), threshold: z.number().gt(0).max(1).default(0.8) }).strict(),
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
