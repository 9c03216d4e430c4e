import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cleanFiles } from '../clean.ts';
import { convertFile } from '../convert.ts';
import { dedupFiles } from '../dedup.ts';
import { PipelineError } from '../errors.ts';
import { parseMixSource } from '../mix-plan.ts';
import { mixFiles } from '../mix.ts';
import { withOutputs } from '../output.ts';
import type { OutputSummary } from '../output.ts';
import { readJsonl } from '../jsonl.ts';
import { scrubFile } from '../scrub.ts';
import { MANIFEST_FILE, staleOutputs } from './manifest.ts';
import type { BuildManifest } from './manifest.ts';
import { meets } from './plan.ts';
import type { RecipePlan } from './plan.ts';
import { dedupScope } from './schema.ts';
import type { RecipeStep } from './schema.ts';

/** What a build did: its manifest and where it is, and the previous build's outputs it removed or left. */
export interface BuildResult {
  manifest: BuildManifest;
  /** `out/manifest.json`. */
  path: string;
  /** Outputs of the previous build that this recipe no longer has, removed with the commit. */
  removed: string[];
  /** Such outputs changed since that build (not the bytes Quimbot wrote), left in place. */
  left: string[];
}

/**
 * Runs a planned recipe. Every output is built in a staging directory beside the final
 * layout; each step's row count is checked as it finishes. Only when all steps pass are the
 * files moved into `sources/`, `combined/` and `mixes/`, with `manifest.json` and at one
 * commit point (withOutputs): a count that is off (or an error, or a cancel) fails loudly and
 * leaves the previous outputs and manifest as they were. Outputs the previous manifest lists
 * and this build does not write go in the same commit, so the out directory holds what the
 * manifest lists (see `staleOutputs`). `onStep` is told before each step, and once more (no
 * name, all steps done) when only the commit is left.
 */
export async function buildRecipe(
  plan: RecipePlan,
  options: { toolVersion: string; signal?: AbortSignal; onStep?: (name: string | null, index: number, total: number) => void },
): Promise<BuildResult> {
  if (plan.problems.length) throw new PipelineError('INVALID_RECIPE', `recipe "${plan.recipe}" cannot be built: ${plan.problems.join('; ')}`);
  // Staging left by a build that was killed is never promoted: it goes.
  for (const old of leftoverStaging(plan.out)) rmSync(old, { recursive: true, force: true });
  const staging = join(plan.out, `.staging-${randomBytes(4).toString('hex')}`);
  const paths = new Map(plan.inputs.map((input) => [input.name, input.path]));
  const signal = options.signal;
  try {
    const { result } = await withOutputs(
      async ({ place, remove, attach }) => {
        const inputs: BuildManifest['inputs'] = [];
        for (const input of plan.inputs) {
          const { rows, sha256 } = await rowsAndSha256(input.path, signal);
          if (input.expect !== null) check(`source "${input.name}"`, rows, input.expect);
          inputs.push({ name: input.name, path: input.path, sha256, rows });
        }
        const steps: BuildManifest['steps'] = [];
        for (const [index, planned] of plan.steps.entries()) {
          options.onStep?.(planned.name, index, plan.steps.length);
          const out = join(staging, planned.tier, `${planned.name}.jsonl`);
          mkdirSync(dirname(out), { recursive: true });
          const reads = planned.reads.map((name) => paths.get(name)!);
          const { rows, sha256 } = await runStep(planned.step, reads, out, { work: join(staging, '.work', planned.name), seed: plan.seed, paths, signal });
          if (planned.expect !== null) check(`step "${planned.name}"`, rows, planned.expect);
          steps.push({ name: planned.name, kind: planned.kind, tier: planned.tier, output: planned.output, rows, sha256, expected: planned.expect === null ? null : meets(rows, planned.expect).wanted });
          paths.set(planned.name, out);
          place(out, planned.output);
        }
        const stale = await staleOutputs(plan.out, new Set(steps.map((step) => step.output)), signal);
        for (const path of stale.remove) remove(path);
        const manifest: BuildManifest = { recipe: plan.recipe, seed: plan.seed, tool_version: options.toolVersion, built_at: new Date().toISOString(), inputs, steps };
        const path = join(plan.out, MANIFEST_FILE);
        attach(path, `${JSON.stringify(manifest, null, 2)}\n`);
        options.onStep?.(null, plan.steps.length, plan.steps.length);
        return { manifest, path, removed: stale.remove, left: stale.leave };
      },
      { signal },
    );
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Runs one step over the files it reads into `out` (in the staging directory); `work` is its
 * scratch directory. Its rows and sha256 come from the tool that wrote it, not a second read.
 */
async function runStep(
  step: RecipeStep,
  reads: readonly string[],
  out: string,
  { work, seed, paths, signal }: { work: string; seed: string; paths: ReadonlyMap<string, string>; signal: AbortSignal | undefined },
): Promise<{ rows: number; sha256: string }> {
  const cancel = signal ? { signal } : {};
  switch (step.kind) {
    case 'clean':
      return (await cleanFiles(reads, { out, ...(step.drop ? { drop: step.drop } : {}), ...(step.model ? { model: step.model } : {}), ...cancel })).output;
    case 'scrub':
      return (await scrubFile(reads[0]!, { out, consistent: step.consistent, ...cancel })).output;
    case 'convert':
      return (await convertFile(reads[0]!, { out, to: step.to, ...cancel })).output;
    case 'dedup': {
      const groups = (step.groups ?? []).map((group) => group.join(','));
      const report = await dedupFiles(reads, { outDir: work, names: step.inputs, scope: dedupScope(step), groups, near: step.near, threshold: step.threshold, ...cancel });
      return concatenate(report.sources.map((s) => join(work, s.output)), out);
    }
    case 'mix':
      return mixFiles({
        sources: Object.entries(step.sources).map(([name, ratio]) => parseMixSource(`${name}=${paths.get(name)}:${ratio}`)),
        total: step.total,
        seed: String(step.seed ?? seed),
        out,
        replacement: step.replacement,
        ...(step.onShort ? { onShort: step.onShort } : {}),
        ...cancel,
      });
  }
}

function check(what: string, rows: number, expect: Parameters<typeof meets>[1]): void {
  const { ok, wanted } = meets(rows, expect);
  if (!ok) throw new PipelineError('COUNT_MISMATCH', `${what}: expected ${wanted} rows, got ${rows}; nothing was replaced`, { rows, expected: wanted });
}

/** Rows in a JSONL file (lines that are not blank) and its sha256, in one read. */
async function rowsAndSha256(path: string, signal: AbortSignal | undefined): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const batch of readJsonl(path, { signal, onRead: (chunk) => hash.update(chunk) })) for (const line of batch) if (line.issue !== 'blank') rows++;
  return { rows, sha256: hash.digest('hex') };
}

async function concatenate(parts: readonly string[], out: string): Promise<OutputSummary> {
  const { outputs } = await withOutputs(async ({ open }) => {
    const output = open(out);
    for (const part of parts) for await (const batch of readJsonl(part)) for (const line of batch) if (line.issue !== 'blank') output.write(line.text);
  });
  return outputs[0]!;
}

/** Staging directories a killed build left behind. */
function leftoverStaging(out: string): string[] {
  try {
    return readdirSync(out).filter((name) => name.startsWith('.staging-')).map((name) => join(out, name));
  } catch {
    return [];
  }
}
