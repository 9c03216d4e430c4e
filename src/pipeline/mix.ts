import { resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError } from './errors.ts';
import { readJsonl } from './jsonl.ts';
import { checkMixSources, ON_SHORT, planCounts } from './mix-plan.ts';
import type { MixCounts, MixSourceSpec, OnShort } from './mix-plan.ts';
import { withOutputs } from './output.ts';
import type { AttachedFile, OutputSummary } from './output.ts';
import { seededRandom, shuffleInPlace } from './random.ts';
import type { Random } from './random.ts';
import { fileSizes, parseLine, readRows } from './rows.ts';
import type { RowProgress } from './rows.ts';

const Count = z.number().int().nonnegative();

/** What a mix took from each source and why: the manifest written beside the output. */
export const MixReport = z.object({
  out: z.string(),
  rows: Count,
  bytes: Count,
  sha256: z.string(),
  seed: z.string(),
  /** The total asked for; null with `--max`. */
  total_requested: Count.nullable(),
  replacement: z.boolean(),
  /** The stopping rule for short sources; null with replacement, `scale` with `--max`. */
  on_short: z.enum(ON_SHORT).nullable(),
  short_sources: z.array(z.string()),
  ratios: z.enum(['percent', 'weights']),
  /** How the ratios became shares, in words. */
  ratio_note: z.string(),
  sources: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      ratio: z.string(),
      share: z.number(),
      requested: Count.nullable(),
      achieved: Count,
      achieved_share: z.number(),
      /** Rows that parse into a chat row: the only ones a mix draws from. */
      available: Count,
      blank_lines: Count,
      ineligible_lines: Count,
      input_bytes: Count,
      input_sha256: z.string(),
    }),
  ),
});
/** The mix manifest. */
export type MixReport = z.infer<typeof MixReport>;

/** What to mix: the sources (paths to read), the total or `max`, the seed and the output. */
export interface MixOptions {
  sources: readonly MixSourceSpec[];
  total: number | 'max';
  seed: string;
  out: string;
  replacement?: boolean;
  /** Default `error`; with `max` it is `scale`, the only rule that means anything there. */
  onShort?: OnShort;
  /** How the manifest names each source's file and the output (default: the paths given). */
  names?: readonly string[];
  outName?: string;
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
  /**
   * Files committed with the output, such as the manifest: called with the report once the
   * output is complete (still a temp file), before it is renamed into place. A cancel or an
   * error before the commit leaves the previous output and files.
   */
  beforeCommit?: (report: MixReport) => Promise<readonly AttachedFile[]>;
}

/**
 * Mixes sources by ratio into one shuffled JSONL file, the same bytes for the same inputs and
 * seed. Two passes: the first records the line numbers of rows that parse into a chat row
 * (4 bytes each) and hashes each input, the second copies the chosen lines; the chosen rows'
 * text is held in memory for the final shuffle, so memory is about the size of the output.
 * The output is written all or nothing, together with the files `beforeCommit` gives.
 */
export async function mixFiles(options: MixOptions): Promise<MixReport> {
  const { sources, seed, total } = options;
  const ratios = checkMixSources(sources);
  const replacement = options.replacement === true;
  const onShort = checkRule(options, replacement);
  if (total !== 'max' && !(Number.isInteger(total) && total > 0)) throw new PipelineError('INVALID_ARGUMENT', `--total ${total}: expected a positive whole number`);
  const paths = sources.map((s) => s.path);
  if (paths.some((path) => resolve(path) === resolve(options.out))) throw new PipelineError('INVALID_ARGUMENT', `--out ${options.out} is one of the sources; choose another output`);
  const sizes = await fileSizes(paths, 'mix reads its sources twice (to count, then to copy)');
  const passBytes = sizes.reduce((a, b) => a + b, 0);
  const progress = (bytes: number, rows: number) => options.onProgress?.({ bytes, totalBytes: passBytes * 2, rows });

  const eligible = paths.map(() => new LineList());
  const blank = paths.map(() => 0);
  const ineligible = paths.map(() => 0);
  const hashes = paths.map(() => '');
  const onSha256 = (source: number, sha256: string) => (hashes[source] = sha256);
  for await (const row of readRows(paths, { signal: options.signal, onProgress: (p) => progress(p.bytes, p.rows), onSha256 })) {
    if (row.issue === 'blank') blank[row.source]!++;
    else if (row.chat) eligible[row.source]!.push(row.line);
    else ineligible[row.source]!++;
  }
  const plan = planCounts(
    sources.map((s, i) => ({ name: s.name, weight: s.weight, available: eligible[i]!.length })),
    total,
    { replacement, onShort: onShort ?? 'error' },
  );

  const picked: string[] = [];
  let bytesBefore = passBytes;
  for (const [i, path] of paths.entries()) {
    const random = seededRandom(`${seed}\u0000source\u0000${sources[i]!.name}`);
    const lines = replacement ? drawWithReplacement(eligible[i]!, plan.counts[i]!, random) : drawWithout(eligible[i]!, plan.counts[i]!, random);
    await copyLines(path, lines, picked, options.signal, (bytes) => progress(bytesBefore + bytes, picked.length));
    bytesBefore += sizes[i]!;
  }
  // The copy stops at each file's last chosen line; the last report says all is read.
  progress(passBytes * 2, picked.length);
  shuffleInPlace(picked, seededRandom(`${seed}\u0000shuffle`));
  const { result } = await withOutputs(
    async ({ open, attach }) => {
      const out = open(options.out);
      for (const text of picked) out.write(text);
      const report = mixReport(options, { replacement, onShort, ratios }, plan, { eligible, blank, ineligible, sizes, hashes }, out.seal());
      for (const file of (await options.beforeCommit?.(report)) ?? []) attach(file.path, file.text);
      return report;
    },
    { signal: options.signal },
  );
  return result;
}

/** The manifest of a mix whose output is sealed. */
function mixReport(
  options: MixOptions,
  rules: { replacement: boolean; onShort: OnShort | undefined; ratios: MixReport['ratios'] },
  plan: MixCounts,
  read: { eligible: readonly LineList[]; blank: readonly number[]; ineligible: readonly number[]; sizes: readonly number[]; hashes: readonly string[] },
  output: OutputSummary,
): MixReport {
  const { sources, seed, total } = options;
  const { replacement, onShort, ratios } = rules;
  const names = options.names ?? sources.map((s) => s.path);
  const weightSum = sources.reduce((n, s) => n + s.weight, 0);
  return {
    out: options.outName ?? options.out,
    rows: output.rows,
    bytes: output.bytes,
    sha256: output.sha256,
    seed,
    total_requested: total === 'max' ? null : total,
    replacement,
    on_short: replacement ? null : (onShort ?? 'error'),
    short_sources: plan.short,
    ratios,
    ratio_note: ratios === 'percent' ? 'percentages summing to 100%; share = percentage / 100' : `weights normalised by their sum (${weightSum}); share = weight / sum`,
    sources: sources.map((s, i) => ({
      name: s.name,
      path: names[i]!,
      ratio: s.ratio,
      share: s.weight / weightSum,
      requested: plan.requested?.[i] ?? null,
      achieved: plan.counts[i]!,
      achieved_share: output.rows ? plan.counts[i]! / output.rows : 0,
      available: read.eligible[i]!.length,
      blank_lines: read.blank[i]!,
      ineligible_lines: read.ineligible[i]!,
      input_bytes: read.sizes[i]!,
      input_sha256: read.hashes[i]!,
    })),
  };
}

function checkRule(options: MixOptions, replacement: boolean): OnShort | undefined {
  if (replacement && options.onShort) throw new PipelineError('INVALID_ARGUMENT', '--on-short applies to sampling without replacement; with --replacement no source runs short');
  if (options.total === 'max') {
    if (replacement) throw new PipelineError('INVALID_ARGUMENT', '--max has no meaning with --replacement (any total can be drawn): give --total N');
    if (options.onShort && options.onShort !== 'scale') throw new PipelineError('INVALID_ARGUMENT', `--on-short ${options.onShort} has no meaning with --max, which is the largest total every ratio allows (scale)`);
    return 'scale';
  }
  return options.onShort;
}

/** `count` distinct lines by a partial Fisher–Yates shuffle of the list, sorted for the copy pass. */
function drawWithout(eligible: LineList, count: number, random: Random): Uint32Array {
  const lines = eligible.take();
  for (let k = 0; k < count; k++) {
    const j = k + random.below(lines.length - k);
    [lines[k], lines[j]] = [lines[j]!, lines[k]!];
  }
  return lines.slice(0, count).sort();
}

/** `count` lines drawn independently (repeats allowed, each copied as often as drawn), sorted. */
function drawWithReplacement(eligible: LineList, count: number, random: Random): Uint32Array {
  const lines = eligible.take();
  const drawn = new Uint32Array(count);
  for (let k = 0; k < count; k++) drawn[k] = lines[random.below(lines.length)]!;
  return drawn.sort();
}

/** Appends the text of the given lines (sorted, repeats allowed) of one file, in line order. */
async function copyLines(path: string, lines: Uint32Array, into: string[], signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<void> {
  let next = 0;
  if (lines.length === 0) return;
  for await (const batch of readJsonl(path, { signal, onBytes })) {
    for (const line of batch) {
      if (lines[next] !== line.line) continue;
      if (!parseLine(0, line).chat) throw new PipelineError('READ_FAILED', `${path}:${line.line}: no longer a chat row; the file changed during the mix`, { path });
      while (lines[next] === line.line) {
        into.push(line.text);
        next++;
      }
      if (next === lines.length) return;
    }
  }
  throw new PipelineError('READ_FAILED', `${path}: shorter than in the first pass; the file changed during the mix`, { path });
}

/** Line numbers in a growing typed array: 4 bytes a row. */
class LineList {
  private lines = new Uint32Array(1024);
  length = 0;

  push(line: number): void {
    if (this.length === this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.length++] = line;
  }

  /** The lines, trimmed to length (the list should not be used after). */
  take(): Uint32Array {
    return this.lines.subarray(0, this.length);
  }
}
