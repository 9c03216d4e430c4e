import { z } from 'zod';
import { writeFileAtomic } from '../../board/index.ts';
import { buildRecipe, planRecipe, readRecipe } from '../../pipeline/index.ts';
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
    "step's row count against its expectation; writes out/manifest.json (inputs and outputs with sha256, counts, seed, tool version). " +
    'A count that is off fails the build and keeps the previous outputs.',
  positionals: ['recipe'],
  input: Input,
  output: z.object({
    recipe: z.string(),
    seed: z.string(),
    tool_version: z.string(),
    built_at: z.string(),
    inputs: z.array(z.object({ name: z.string(), path: z.string(), sha256: z.string(), rows: z.number().int() })),
    steps: z.array(z.object({ name: z.string(), kind: z.string(), tier: z.string(), output: z.string(), rows: z.number().int(), sha256: z.string(), expected: z.string().nullable() })),
    manifest: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(input, context) {
    const plan = planRecipe(readRecipe(context.resolvePath(input.recipe)), context.resolvePath);
    const manifest = await buildRecipe(plan, {
      toolVersion: VERSION,
      signal: context.signal,
      onStep: (name, index, total) => context.progress({ done: index, total, unit: 'steps', message: name }),
    });
    const path = `${plan.out}/manifest.json`;
    writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
    return { ...manifest, manifest: path };
  },
  summarize(m) {
    return [
      `recipe ${m.recipe} built (seed ${m.seed}, quimbot ${m.tool_version})`,
      ...m.steps.map((s) => `  ${s.kind.padEnd(7)} ${s.name}: ${s.rows.toLocaleString('en-US')} rows${s.expected ? ` (expected ${s.expected})` : ''} -> ${s.output}`),
      `  manifest: ${m.manifest}`,
    ].join('\n');
  },
});
