import { z } from 'zod';
import { BuildManifest, buildRecipe, planRecipe, readRecipe } from '../../pipeline/index.ts';
import { VERSION } from '../../version.ts';
import { defineTool } from '../tool.ts';

const Input = z.object({ recipe: z.string().min(1).describe('the recipe file (YAML or JSON)') });
const Planned = z.object({
  recipe: z.string(),
  out: z.string(),
  seed: z.string(),
  inputs: z.array(z.object({ name: z.string(), path: z.string(), exists: z.boolean(), bytes: z.number().int().nullable() })),
  steps: z.array(z.object({ name: z.string(), kind: z.string(), reads: z.array(z.string()), tier: z.string(), output: z.string(), expect: z.unknown() })),
  problems: z.array(z.string()),
});

/** `data recipe plan`: what a build would read and write, and whether it can run. */
export const dataRecipePlan = defineTool({
  name: 'data_recipe_plan',
  command: ['data', 'recipe', 'plan'],
  title: 'Plan a dataset build recipe',
  description: 'Reads a build recipe, checks that every input exists and every step reads a source or an earlier step, and lists the outputs it would write (sources/, combined/, mixes/) with their expected counts.',
  positionals: ['recipe'],
  input: Input,
  output: Planned,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(input, context) {
    const plan = planRecipe(readRecipe(context.resolvePath(input.recipe)), context.resolvePath);
    return { ...plan, inputs: plan.inputs.map(({ expect: _, ...i }) => i), steps: plan.steps.map(({ step: _, ...s }) => s) };
  },
  summarize(plan) {
    return [
      `recipe ${plan.recipe} -> ${plan.out} (seed ${plan.seed})`,
      ...plan.inputs.map((i) => `  source ${i.name}: ${i.path}${i.exists ? ` (${(i.bytes! / 1e6).toFixed(1)} MB)` : '  MISSING'}`),
      ...plan.steps.map((s) => `  ${s.kind.padEnd(7)} ${s.name} <- ${s.reads.join(', ')} => ${s.output}${s.expect !== null ? `  expect ${JSON.stringify(s.expect)}` : ''}`),
      ...plan.problems.map((p) => `  problem: ${p}`),
    ].join('\n');
  },
  exitCode: (plan) => (plan.problems.length ? 1 : 0),
});

/** `data recipe build`: runs the recipe; outputs replace the previous ones only when every count is right. */
export const dataRecipeBuild = defineTool({
  name: 'data_recipe_build',
  command: ['data', 'recipe', 'build'],
  title: 'Build a dataset recipe',
  description:
    'Runs a build recipe (clean, dedup, scrub, convert, mix steps) into sources/, combined/ and mixes/ under its out directory, checking each ' +
    "step's row count against its expectation; writes out/manifest.json (inputs and outputs with sha256, counts, seed, tool version) " +
    'with the outputs at one commit point, removing the outputs of steps the recipe no longer has (those the previous manifest lists, ' +
    'unchanged since). A count that is off, an error or a cancel fails the build and keeps the previous outputs and manifest.',
  positionals: ['recipe'],
  input: Input,
  output: BuildManifest.extend({
    manifest: z.string(),
    removed: z.array(z.string()).describe('outputs of the previous build that the recipe no longer has, removed'),
    left: z.array(z.string()).describe('such outputs changed since that build, left in place'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const plan = planRecipe(readRecipe(context.resolvePath(input.recipe)), context.resolvePath);
    const built = await buildRecipe(plan, {
      toolVersion: VERSION,
      signal: context.signal,
      onStep: (name, index, total) => context.progress({ done: index, total, unit: 'steps', message: name ?? 'all steps done' }),
    });
    return { ...built.manifest, manifest: built.path, removed: built.removed, left: built.left };
  },
  summarize(m) {
    return [
      `recipe ${m.recipe} built (seed ${m.seed}, quimbot ${m.tool_version})`,
      ...m.steps.map((s) => `  ${s.kind.padEnd(7)} ${s.name}: ${s.rows.toLocaleString('en-US')} rows${s.expected ? ` (expected ${s.expected})` : ''} -> ${s.output}`),
      ...m.removed.map((path) => `  removed ${path} (the recipe no longer has its step)`),
      ...m.left.map((path) => `  left ${path}: the recipe no longer has its step, but it changed since the last build`),
      `  manifest: ${m.manifest}`,
    ].join('\n');
  },
});
