import { basename } from 'node:path';
import { messagesHash, messagesText } from './canonical.ts';
import { PipelineError } from './errors.ts';
import { HashIndex } from './hash-index.ts';
import { checkNearThreshold, DEFAULT_NEAR_THRESHOLD, NearDupIndex } from './minhash.ts';
import { withOutputs } from './output.ts';
import type { AttachedFile, OutputSummary } from './output.ts';
import { fileSizes, readRows } from './rows.ts';
import type { RowProgress, SourceRow } from './rows.ts';
import { planDedup } from './dedup-plan.ts';
import type { DedupPlan, DedupReport, DedupScope } from './dedup-plan.ts';

/** How to dedup; only `outDir` is required. */
export interface DedupOptions {
  outDir: string;
  /** Also drop near duplicates (MinHash, Jaccard ≥ threshold); costs a second pass. */
  near?: boolean;
  threshold?: number;
  scope?: DedupScope;
  /** Inputs to dedup together while the others stay within-source, e.g. `toefl.jsonl,pilot.jsonl`. */
  groups?: readonly string[];
  /** How the manifest names each input and the output directory (default: the paths as given). */
  names?: readonly string[];
  outDirName?: string;
  /** Removed rows listed per source in the manifest (counts are always exact). */
  keep?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
  /**
   * Files committed with the outputs, such as the manifest: called with the report once every
   * output is complete (still temp files) and the inputs are hashed, before anything is renamed
   * into place. A cancel or an error before the commit leaves the previous outputs and files.
   */
  beforeCommit?: (report: DedupReport) => Promise<readonly AttachedFile[]>;
}

type Removed = DedupReport['sources'][number]['removed'][number];

class SourceTally {
  rowsIn = 0;
  rowsOut = 0;
  blank = 0;
  unparsed = 0;
  exact = 0;
  near = 0;
  readonly removed: Removed[] = [];
}

/**
 * Drops exact duplicates (the canonical `messages`, as the audit compares them) and, with
 * `near`, near duplicates, keeping the first occurrence in input order. Writes one file per
 * input into `outDir`, all or nothing and together with the files `beforeCommit` gives (a run
 * cancelled before it returns leaves the previous ones); kept lines are copied as read (line
 * endings become LF, a BOM is dropped), blank and unparsable lines included. Memory: 24 bytes a row for the exact
 * index, plus the MinHash index (512-byte signatures and band buckets) when `near` is on.
 */
export async function dedupFiles(paths: readonly string[], options: DedupOptions): Promise<DedupReport> {
  const names = options.names ?? paths;
  const scope = options.scope ?? 'within-source';
  const plan = planDedup(paths, names, options.outDir, scope, options.groups ?? []);
  const near = options.near === true;
  const threshold = options.threshold ?? DEFAULT_NEAR_THRESHOLD;
  if (near) checkNearThreshold(threshold);
  const keep = options.keep ?? 100;
  const sizes = await fileSizes(paths, near ? 'near-duplicate dedup reads its inputs twice' : undefined);
  const passBytes = sizes.reduce((a, b) => a + b, 0);
  const totalBytes = passBytes * (near ? 2 : 1);
  const read = (bytesBefore: number, onSha256?: (source: number, sha256: string) => void) =>
    readRows(paths, {
      signal: options.signal,
      onProgress: (p) => options.onProgress?.({ bytes: bytesBefore + p.bytes, totalBytes, rows: p.rows }),
      ...(onSha256 ? { onSha256 } : {}),
    });

  const nearOf = near ? await findNearDuplicates(read(0), plan, threshold) : null;
  cancelled(options.signal);
  const tallies = paths.map(() => new SourceTally());
  const { result } = await withOutputs(async ({ open, attach }) => {
    const files = plan.outputs.map((path) => open(path));
    const exact = Array.from({ length: plan.domains }, () => new HashIndex());
    const numbering = new RowNumbering(paths.length);
    // The inputs are hashed in this pass: the last progress report comes once all is read.
    const hashes = paths.map(() => '');
    for await (const row of read(near ? passBytes : 0, (source, sha256) => (hashes[source] = sha256))) {
      const id = numbering.next(row.source);
      const tally = tallies[row.source]!;
      tally.rowsIn++;
      if (row.issue === 'blank') tally.blank++;
      else if (!row.chat) tally.unparsed++;
      else {
        const [hi, lo] = messagesHash(row.value, row.chat!);
        const first = exact[plan.domainOf[row.source]!]!.add(hi, lo, id);
        const kind = first !== -1 ? 'exact' : nearOf?.has(id) ? 'near' : null;
        if (kind) {
          tally[kind]++;
          const place = numbering.place(first !== -1 ? first : nearOf!.get(id)!);
          if (tally.removed.length < keep) tally.removed.push({ line: row.line, kind, duplicate_of: { source: names[place.source]!, line: place.line } });
          continue;
        }
      }
      files[row.source]!.write(row.text);
      tally.rowsOut++;
    }
    const outputs = files.map((file) => file.seal());
    const settings = { outDir: options.outDirName ?? options.outDir, scope, near, threshold: near ? threshold : null, keep };
    const report = dedupReport(settings, plan, names, tallies, hashes, outputs);
    for (const file of (await options.beforeCommit?.(report)) ?? []) attach(file.path, file.text);
    return report;
  }, { signal: options.signal });
  return result;
}

/** The manifest of a dedup whose outputs are sealed. */
function dedupReport(
  settings: Pick<DedupReport, 'scope' | 'near' | 'threshold'> & { outDir: string; keep: number },
  plan: DedupPlan,
  names: readonly string[],
  tallies: readonly SourceTally[],
  hashes: readonly string[],
  outputs: readonly OutputSummary[],
): DedupReport {
  const sum = (pick: (t: SourceTally) => number) => tallies.reduce((n, t) => n + pick(t), 0);
  const groupOf = (i: number) => {
    const group = plan.groups.findIndex((members) => members.includes(i));
    return group === -1 ? null : group;
  };
  return {
    out_dir: settings.outDir,
    scope: settings.scope,
    groups: plan.groups.map((members) => members.map((i) => names[i]!)),
    near: settings.near,
    threshold: settings.threshold,
    listed_per_source: settings.keep,
    rows_in: sum((t) => t.rowsIn),
    rows_out: sum((t) => t.rowsOut),
    exact_removed: sum((t) => t.exact),
    near_removed: sum((t) => t.near),
    sources: tallies.map((t, i) => ({
      path: names[i]!,
      output: basename(plan.outputs[i]!),
      group: groupOf(i),
      rows_in: t.rowsIn,
      rows_out: t.rowsOut,
      exact_removed: t.exact,
      near_removed: t.near,
      blank_lines: t.blank,
      unparsed_lines: t.unparsed,
      removed: t.removed,
      input_sha256: hashes[i]!,
      output_sha256: outputs[i]!.sha256,
      output_bytes: outputs[i]!.bytes,
    })),
  };
}

/**
 * The first pass with `near`: exact duplicates are skipped (the second pass drops them), every
 * other chat row goes into its domain's MinHash index. Returns each near duplicate's row
 * mapped to the first row of its cluster, the one that is kept.
 */
async function findNearDuplicates(rows: AsyncIterable<SourceRow>, plan: DedupPlan, threshold: number): Promise<Map<number, number>> {
  const exact = Array.from({ length: plan.domains }, () => new HashIndex());
  const indexes = Array.from({ length: plan.domains }, () => new NearDupIndex({ threshold }));
  let id = 0;
  for await (const row of rows) {
    const current = id++;
    if (!row.chat) continue;
    const domain = plan.domainOf[row.source]!;
    const [hi, lo] = messagesHash(row.value, row.chat!);
    if (exact[domain]!.add(hi, lo, current) !== -1) continue;
    indexes[domain]!.add(current, messagesText(row.chat));
  }
  const keptOf = new Map<number, number>();
  for (const index of indexes) {
    for (const { rows: members } of index.clusters()) for (const member of members.slice(1)) keptOf.set(member, members[0]!);
  }
  return keptOf;
}

/** Numbers every line of every source in input order, and maps a number back to its place. */
class RowNumbering {
  private readonly starts: number[];
  private current = -1;
  private count = 0;

  constructor(sources: number) {
    this.starts = Array.from({ length: sources }, () => Infinity);
  }

  next(source: number): number {
    // Sources with no lines share the start of the next one; place() finds the later one.
    while (this.current < source) this.starts[++this.current] = this.count;
    return this.count++;
  }

  place(id: number): { source: number; line: number } {
    let source = this.current;
    while (this.starts[source]! > id) source--;
    return { source, line: id - this.starts[source]! + 1 };
  }
}

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new PipelineError('CANCELLED', 'dedup cancelled');
}
