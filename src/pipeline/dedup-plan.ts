import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError } from './errors.ts';

/** Which rows a source is deduplicated against: its own, or those of every source. */
export const DEDUP_SCOPES = ['within-source', 'cross-source'] as const;
/** One of the dedup scopes. */
export type DedupScope = (typeof DEDUP_SCOPES)[number];

const Count = z.number().int().nonnegative();

/** A removed row: its line, why, and the kept row it duplicates. */
export const RemovedRow = z.object({
  line: z.number().int(),
  kind: z.enum(['exact', 'near']),
  duplicate_of: z.object({ source: z.string(), line: z.number().int() }),
});

/** What a dedup run did, per source and in total: the manifest written beside its outputs. */
export const DedupReport = z.object({
  out_dir: z.string(),
  scope: z.enum(DEDUP_SCOPES),
  /** Inputs deduplicated together; every input in no group is deduplicated against itself only. */
  groups: z.array(z.array(z.string())),
  near: z.boolean(),
  threshold: z.number().nullable(),
  /** `removed` lists at most this many rows per source; the counts are always exact. */
  listed_per_source: Count,
  rows_in: Count,
  rows_out: Count,
  exact_removed: Count,
  near_removed: Count,
  sources: z.array(
    z.object({
      path: z.string(),
      /** The deduplicated file's name inside `out_dir`. */
      output: z.string(),
      /** Index into `groups`, or null when deduplicated against itself only. */
      group: z.number().int().nullable(),
      /** Every line, blank and unparsable ones too: rows_out = rows_in − exact_removed − near_removed. */
      rows_in: Count,
      rows_out: Count,
      exact_removed: Count,
      near_removed: Count,
      /** Kept as they are: dedup removes duplicates and nothing else. */
      blank_lines: Count,
      unparsed_lines: Count,
      removed: z.array(RemovedRow),
      input_sha256: z.string(),
      output_sha256: z.string(),
      output_bytes: Count,
    }),
  ),
});
/** The dedup manifest. */
export type DedupReport = z.infer<typeof DedupReport>;

/** Where each input's rows are compared: a domain per cross-source group, one per other input. */
export interface DedupPlan {
  /** Domain of each input; inputs sharing a domain are deduplicated together. */
  domainOf: number[];
  domains: number;
  /** Cross-source groups as input indices (each has two or more inputs). */
  groups: number[][];
  /** Output path of each input. */
  outputs: string[];
}

/**
 * Plans a dedup: output names (the input's file name without `.gz`, so they must be unique and
 * may not overwrite an input), and domains from the scope and the `--group` specs. A spec is a
 * comma-separated list of inputs, each named as given or by its file name
 * (`toefl.jsonl,pilot.jsonl`); an input may be in one group only.
 */
export function planDedup(paths: readonly string[], names: readonly string[], outDir: string, scope: DedupScope, groupSpecs: readonly string[]): DedupPlan {
  const outputs = paths.map((path) => join(outDir, basename(path).replace(/\.gz$/i, '')));
  const inputs = new Set(paths.map((path) => resolve(path)));
  outputs.forEach((output, i) => {
    const clash = outputs.findIndex((other) => other === output);
    if (clash !== i) throw new PipelineError('INVALID_ARGUMENT', `${names[clash]} and ${names[i]} would both be written to ${output}; give inputs distinct file names`);
    if (inputs.has(resolve(output))) throw new PipelineError('INVALID_ARGUMENT', `${names[i]}: the output ${output} would overwrite an input; choose another --out-dir`);
  });
  if (scope === 'cross-source') {
    if (groupSpecs.length > 0) throw new PipelineError('INVALID_ARGUMENT', '--group applies with --scope within-source (the default): cross-source already dedups every input together');
    return { domainOf: paths.map(() => 0), domains: paths.length ? 1 : 0, groups: paths.length > 1 ? [paths.map((_, i) => i)] : [], outputs };
  }
  const groups = groupSpecs.map((spec) => groupMembers(spec, names));
  const domainOf = paths.map(() => -1);
  groups.forEach((members, group) => {
    for (const member of members) {
      if (domainOf[member] !== -1) throw new PipelineError('INVALID_ARGUMENT', `--group "${groupSpecs[group]}": ${names[member]} is already in --group "${groupSpecs[domainOf[member]!]}"; an input may be in one group only`);
      domainOf[member] = group;
    }
  });
  let domains = groups.length;
  for (let i = 0; i < domainOf.length; i++) if (domainOf[i] === -1) domainOf[i] = domains++;
  return { domainOf, domains, groups, outputs };
}

function groupMembers(spec: string, names: readonly string[]): number[] {
  const words = spec.split(',').map((word) => word.trim()).filter(Boolean);
  const members = words.map((word) => {
    const found = names.findIndex((name) => name === word || basename(name) === word);
    if (found === -1) throw new PipelineError('INVALID_ARGUMENT', `--group "${spec}": "${word}" is not one of the inputs (${names.join(', ')})`);
    return found;
  });
  const distinct = [...new Set(members)].sort((a, b) => a - b);
  if (distinct.length < 2) throw new PipelineError('INVALID_ARGUMENT', `--group "${spec}": expected two or more inputs separated by commas, e.g. --group toefl.jsonl,pilot.jsonl`);
  return distinct;
}
