import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cleanFiles } from '../clean.ts';
import { convertFile } from '../convert.ts';
import { dedupFiles } from '../dedup.ts';
import { sha256File } from '../digest.ts';
import { PipelineError } from '../errors.ts';
import { parseMixSource } from '../mix-plan.ts';
import { mixFiles } from '../mix.ts';
import { withOutputs } from '../output.ts';
import { readJsonl } from '../jsonl.ts';
import { scrubFile } from '../scrub.ts';
import { meets } from './plan.ts';
import type { RecipePlan } from './plan.ts';

/** The record of a build: what went in, what came out, and each step's count against its expectation. */
export interface BuildManifest {
  recipe: string;
  seed: string;
  tool_version: string;
  built_at: string;
  inputs: Array<{ name: string; path: string; sha256: string; rows: number }>;
  steps: Array<{ name: string; kind: string; tier: string; output: string; rows: number; sha256: string; expected: string | null }>;
}

/**
 * Runs a planned recipe. Every output is built in a staging directory beside the final
 * layout; each step's row count is checked as it finishes. Only when all steps pass are the
 * files moved into `sources/`, `combined/` and `mixes/`: a count that is off (or an error, or
 * a cancel) fails loudly and leaves the previous outputs as they were.
 */
export async function buildRecipe(plan: RecipePlan, options: { toolVersion: string; signal?: AbortSignal; onStep?: (name: string, index: number, total: number) => void }): Promise<BuildManifest> {
  if (plan.problems.length) throw new PipelineError('INVALID_RECIPE', `recipe "${plan.recipe}" cannot be built: ${plan.problems.join('; ')}`);
  // Staging left by a build that was killed is never promoted: it goes.
  for (const old of leftoverStaging(plan.out)) rmSync(old, { recursive: true, force: true });
  const staging = join(plan.out, `.staging-${randomBytes(4).toString('hex')}`);
  const paths = new Map(plan.inputs.map((input) => [input.name, input.path]));
  const signal = options.signal;
  try {
    const inputs: BuildManifest['inputs'] = [];
    for (const input of plan.inputs) {
      const rows = await countRows(input.path, signal);
      if (input.expect !== null) check(`source "${input.name}"`, rows, input.expect);
      inputs.push({ name: input.name, path: input.path, sha256: await sha256File(input.path, signal), rows });
    }
    const steps: BuildManifest['steps'] = [];
    for (const [index, planned] of plan.steps.entries()) {
      options.onStep?.(planned.name, index, plan.steps.length);
      const out = join(staging, planned.tier, `${planned.name}.jsonl`);
      mkdirSync(dirname(out), { recursive: true });
      const reads = planned.reads.map((name) => paths.get(name)!);
      const step = planned.step;
      switch (step.kind) {
        case 'clean':
          await cleanFiles(reads, { out, ...(step.drop ? { drop: step.drop } : {}), ...(step.model ? { model: step.model } : {}), ...(signal ? { signal } : {}) });
          break;
        case 'scrub':
          await scrubFile(reads[0]!, { out, consistent: step.consistent, ...(signal ? { signal } : {}) });
          break;
        case 'convert':
          await convertFile(reads[0]!, { out, to: step.to, ...(signal ? { signal } : {}) });
          break;
        case 'dedup': {
          const work = join(staging, '.work', step.name);
          const report = await dedupFiles(reads, { outDir: work, scope: step.scope, near: step.near, threshold: step.threshold, ...(signal ? { signal } : {}) });
          await concatenate(report.sources.map((s) => join(work, s.output)), out);
          break;
        }
        case 'mix':
          await mixFiles({
            sources: Object.entries(step.sources).map(([name, ratio]) => parseMixSource(`${name}=${paths.get(name)}:${ratio}`)),
            total: step.total,
            seed: String(step.seed ?? plan.seed),
            out,
            replacement: step.replacement,
            ...(step.onShort ? { onShort: step.onShort } : {}),
            ...(signal ? { signal } : {}),
          });
          break;
      }
      const rows = await countRows(out, signal);
      if (planned.expect !== null) check(`step "${planned.name}"`, rows, planned.expect);
      steps.push({ name: planned.name, kind: planned.kind, tier: planned.tier, output: planned.output, rows, sha256: await sha256File(out, signal), expected: planned.expect === null ? null : meets(rows, planned.expect).wanted });
      paths.set(planned.name, out);
    }
    for (const step of steps) {
      mkdirSync(dirname(step.output), { recursive: true });
      renameSync(join(staging, step.tier, basename(step.output)), step.output);
    }
    return { recipe: plan.recipe, seed: plan.seed, tool_version: options.toolVersion, built_at: new Date().toISOString(), inputs, steps };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function check(what: string, rows: number, expect: Parameters<typeof meets>[1]): void {
  const { ok, wanted } = meets(rows, expect);
  if (!ok) throw new PipelineError('COUNT_MISMATCH', `${what}: expected ${wanted} rows, got ${rows}; nothing was replaced`, { rows, expected: wanted });
}

/** Rows in a JSONL file: lines that are not blank. */
async function countRows(path: string, signal: AbortSignal | undefined): Promise<number> {
  let rows = 0;
  for await (const batch of readJsonl(path, { signal })) for (const line of batch) if (line.issue !== 'blank') rows++;
  return rows;
}

async function concatenate(parts: readonly string[], out: string): Promise<void> {
  await withOutputs(async ({ open }) => {
    const output = open(out);
    for (const part of parts) for await (const batch of readJsonl(part)) for (const line of batch) if (line.issue !== 'blank') output.write(line.text);
  });
}

/** Staging directories a killed build left behind. */
function leftoverStaging(out: string): string[] {
  try {
    return readdirSync(out).filter((name) => name.startsWith('.staging-')).map((name) => join(out, name));
  } catch {
    return [];
  }
}
