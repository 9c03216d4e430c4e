import { messagesHash, messagesText } from '../canonical.ts';
import { PipelineError } from '../errors.ts';
import { HashIndex } from '../hash-index.ts';
import { isGzipFile, readJsonl } from '../jsonl.ts';
import { DEFAULT_NEAR_THRESHOLD, NearDupIndex, PERMUTATIONS } from '../minhash.ts';
import { splitRanges } from '../ranges.ts';
import { fileSizes } from '../rows.ts';
import { fineTuneSpec } from '../models.ts';
import type { FineTuneModels } from '../models.ts';
import { TokenCounter } from '../tokens.ts';
import type { TokenEncoding } from '../tokens.ts';
import { AuditAccumulator } from './accumulator.ts';
import type { AuditSettings } from './accumulator.ts';
import { RowPlaces } from './places.ts';
import { defaultThreads, RANGE_BYTES, runRanges, THREADED_MIN_BYTES } from './threads.ts';
import { READ_BYTES } from './range.ts';
import type { RangeResult } from './range.ts';
import { COUNT_NAMES } from './report.ts';
import type { AuditReport, CountName } from './report.ts';
import type { Place } from './stats.ts';

/** How to audit: every field has a default. */
export interface AuditOptions {
  near?: boolean;
  nearThreshold?: number;
  weightRange?: readonly [number, number];
  field?: string;
  model?: string;
  /** Fine-tuning models the configuration adds or changes (prices, limits). */
  models?: FineTuneModels;
  encoding?: TokenEncoding;
  contextLimit?: number;
  epochs?: number;
  pricePerMillion?: number;
  keep?: number;
  /** Worker threads for large uncompressed files (default: every core; 1 keeps it on this thread). */
  threads?: number;
  /** How the report names each file (default: its path as given). */
  names?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: { bytes: number; totalBytes: number; rows: number }) => void;
}

const DUPLICATE_GROUPS_SHOWN = 20;

/** Audits JSONL files in one streaming pass (plus the duplicate indexes) and returns the report. */
export async function auditFiles(paths: readonly string[], options: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now();
  const modelName = options.model ?? 'gpt-4o-mini';
  const model = fineTuneSpec(modelName, options.models);
  const contextLimit = options.contextLimit ?? model.contextLimit;
  const pricePerMillion = options.pricePerMillion ?? model.pricePerMillion;
  if (contextLimit === undefined || pricePerMillion === undefined) {
    throw new PipelineError('INVALID_ARGUMENT', `unknown model "${modelName}": give its context limit and price per million training tokens in the configuration's fineTune section (or its price with --price)`);
  }
  const encoding = options.encoding ?? model.encoding;
  const settings: AuditSettings = {
    weightRange: options.weightRange ?? [0, 1],
    field: options.field ?? 'difficulty',
    contextLimit,
    keep: options.keep ?? 10,
  };
  const counter = TokenCounter.shared(encoding);
  const near = options.near === false ? null : new NearDupIndex({ threshold: options.nearThreshold ?? DEFAULT_NEAR_THRESHOLD });
  const sizes = await fileSizes(paths);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const places = new RowPlaces();
  const exact = new HashIndex();
  const groups = new Map<number, number>();

  const perSource: AuditAccumulator[] = [];
  const threads = Math.max(1, options.threads ?? defaultThreads());
  let bytesBefore = 0;
  for (const [source, path] of paths.entries()) {
    const tally = new AuditAccumulator(settings, counter);
    perSource.push(tally);
    const report = (bytes: number) =>
      options.onProgress?.({ bytes: bytesBefore + bytes, totalBytes, rows: perSource.reduce((n, t) => n + t.rows, 0) });
    const duplicates = (line: number, hi: number, lo: number) => {
      const row = places.push(source, line);
      const first = exact.add(hi, lo, row);
      if (first !== -1) {
        tally.flag('exact_duplicate_rows', source, line);
        groups.set(first, (groups.get(first) ?? 1) + 1);
      }
      return row;
    };
    // Ranges are audited in parallel; their tallies and rows join here in file order, so the
    // report is the same as a single pass would give.
    if (threads > 1 && sizes[source]! >= THREADED_MIN_BYTES && !(await isGzipFile(path))) {
      let lineOffset = 0;
      await auditRanges(path, source, sizes[source]!, threads, { settings, encoding, near, signal: options.signal, report }, (result) => {
        tally.mergeSnapshot(result.snapshot, lineOffset);
        for (let r = 0; r < result.rowLines.length; r++) {
          const row = duplicates(lineOffset + result.rowLines[r]!, result.hashes[r * 2]!, result.hashes[r * 2 + 1]!);
          if (near && result.signatures && result.hasSignature![r]) near.insert(row, result.signatures, r * PERMUTATIONS);
        }
        lineOffset += result.lines;
      });
    } else {
      for await (const batch of readJsonl(path, { signal: options.signal, onBytes: report, latin1: true, bufferSize: READ_BYTES })) {
        for (const line of batch) {
          tally.add(source, line, ({ value, chat, utf8 }) => {
            const [hi, lo] = messagesHash(value, chat, utf8);
            const row = duplicates(line.line, hi, lo);
            near?.add(row, messagesText(chat, utf8));
          });
        }
      }
    }
    bytesBefore += sizes[source]!;
  }

  const names = options.names ?? paths;
  const named = (place: Place) => ({ source: names[place.source]!, line: place.line });
  let nearClusters: AuditReport['near_duplicate_clusters'] = null;
  if (near) {
    for (const row of near.duplicateRows()) {
      const { source, line } = places.at(row);
      perSource[source]!.flag('near_duplicate_rows', source, line);
    }
    nearClusters = near
      .clusters()
      .slice(0, DUPLICATE_GROUPS_SHOWN)
      .map((cluster) => ({ similarity: cluster.similarity, lines: cluster.rows.slice(0, 10).map((r) => named(places.at(r))) }));
  }

  const total = new AuditAccumulator(settings, counter);
  for (const tally of perSource) total.merge(tally);
  const countsOf = (tally: AuditAccumulator) =>
    Object.fromEntries(
      COUNT_NAMES.map((name: CountName) => {
        const found = tally.counts.get(name);
        return [name, { count: found?.count ?? 0, lines: (found?.first ?? []).map(named) }];
      }),
    ) as AuditReport['counts'];
  const statsByRole = (map: Map<string, { summary(): AuditReport['lengths']['turns'] }>) =>
    Object.fromEntries([...map].map(([role, stats]) => [role, stats.summary()]));
  const epochs = options.epochs ?? 3;

  return {
    sources: names.map((path, i) => ({
      path,
      bytes: sizes[i]!,
      lines: perSource[i]!.lines,
      rows: perSource[i]!.rows,
      formats: perSource[i]!.formats.distribution(),
      counts: countsOf(perSource[i]!),
    })),
    lines: total.lines,
    rows: total.rows,
    formats: total.formats.distribution(),
    counts: countsOf(total),
    duplicate_groups: [...groups]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, DUPLICATE_GROUPS_SHOWN)
      .map(([first, count]) => ({ count, lines: [named(places.at(first))] })),
    near_duplicate_clusters: nearClusters,
    weights: {
      rows_with_weight: total.rowsWithWeight,
      range: [settings.weightRange[0], settings.weightRange[1]],
      stats: total.weightStats.summary(),
      distribution: total.weightValues.distribution(),
    },
    lengths: {
      words: statsByRole(total.words),
      tokens: statsByRole(total.tokens),
      turns: total.turns.summary(),
      row_tokens: total.rowTokens.summary(),
    },
    field: { name: settings.field, rows_with_field: total.rowsWithField, distribution: total.fieldValues.distribution() },
    tokens: {
      encoding,
      total: total.totalTokens,
      model: model.name,
      context_limit: contextLimit,
      epochs,
      price_per_million: pricePerMillion,
      billed_tokens: total.billedTokens * epochs,
      estimated_cost_usd: Math.round(((total.billedTokens * epochs) / 1e6) * pricePerMillion * 100) / 100,
      images_by_url: total.imagesByUrl,
    },
    elapsed_ms: Math.round(performance.now() - started),
  };
}

/** A source audited on worker threads, or null when a range did not fit in a worker. */
async function auditRanges(
  path: string,
  source: number,
  size: number,
  threads: number,
  context: { settings: AuditSettings; encoding: TokenEncoding; near: NearDupIndex | null; signal: AbortSignal | undefined; report: (bytes: number) => void },
  onResult: (result: RangeResult) => void,
): Promise<void> {
  // Ranges of about RANGE_BYTES, taken by whichever thread is free: at least one a thread.
  const ranges = await splitRanges(path, Math.min(64, Math.max(threads, Math.ceil(size / RANGE_BYTES))));
  let done = 0;
  const near = context.near ? { seed: context.near.hasher.seed } : null;
  const tasks = ranges.map((range, i) => ({ path, source, ...range, endsAtEof: i === ranges.length - 1, settings: context.settings, encoding: context.encoding, near }));
  await runRanges(tasks, threads, context.signal, (bytes) => context.report((done += bytes)), onResult);
}
