import { messagesHash, messagesText } from '../canonical.ts';
import { readJsonl } from '../jsonl.ts';
import { MinHasher, PERMUTATIONS } from '../minhash.ts';
import { TokenCounter } from '../tokens.ts';
import type { TokenEncoding } from '../tokens.ts';
import { AuditAccumulator } from './accumulator.ts';
import type { AccumulatorSnapshot, AuditSettings } from './accumulator.ts';

/**
 * How much of a file an audit reads at a time. A batch's lines live while it is audited, so a
 * young-generation collection in the middle promotes them; a smaller batch keeps fewer (1 MB
 * batches raised a two-thread audit's peak RSS by about 50 MB, at the same speed).
 */
export const READ_BYTES = 1 << 18;

/** What the main thread asks a worker to audit: one byte range of one source. */
export interface RangeTask {
  path: string;
  source: number;
  start: number;
  end: number;
  endsAtEof: boolean;
  settings: AuditSettings;
  encoding: TokenEncoding;
  /**
   * The near-duplicate index's MinHash seed, when near duplicates are wanted. Only signatures are
   * computed here; the threshold and the banding it picks apply where they are inserted (`NearDupIndex.insert`).
   */
  near: { seed: number } | null;
}

/** A range's tallies, and per parsed row (in order) its line within the range, hash and signature. */
export interface RangeResult {
  snapshot: AccumulatorSnapshot;
  lines: number;
  rowLines: Int32Array;
  hashes: Uint32Array;
  /** PERMUTATIONS values per row, when near duplicates are wanted; rows without words are all zero. */
  signatures: Uint32Array | null;
  hasSignature: Uint8Array | null;
}

/**
 * Audits one byte range of a source: its tallies, and per parsed row its line, exact hash and
 * (when wanted) MinHash signature, for the caller to feed to the indexes in file order. Runs on
 * a worker thread or on the main thread, whichever is free.
 */
export async function auditRange(task: RangeTask, onBytes: (bytes: number) => void, signal?: AbortSignal): Promise<RangeResult> {
  const tally = new AuditAccumulator(task.settings, TokenCounter.shared(task.encoding));
  const near = task.near ? new MinHasher(task.near.seed) : null;
  let rowLines = new Int32Array(1024);
  let hashes = new Uint32Array(2048);
  let signatures = near ? new Uint32Array(1024 * PERMUTATIONS) : null;
  let hasSignature = near ? new Uint8Array(1024) : null;
  let rows = 0;
  let lines = 0;
  let reported = 0;
  const progress = (bytes: number) => {
    if (bytes - reported >= 1 << 22) {
      onBytes(bytes - reported);
      reported = bytes;
    }
  };
  for await (const batch of readJsonl(task.path, { start: task.start, end: task.end, endsAtEof: task.endsAtEof, onBytes: progress, signal, latin1: true, bufferSize: READ_BYTES })) {
    for (const line of batch) {
      lines++;
      tally.add(task.source, line, ({ value, chat, utf8 }) => {
        if (rows === rowLines.length) {
          rowLines = grow(rowLines, rows * 2);
          hashes = grow(hashes, rows * 4);
          if (signatures) signatures = grow(signatures, rows * 2 * PERMUTATIONS);
          if (hasSignature) hasSignature = grow(hasSignature, rows * 2);
        }
        rowLines[rows] = line.line;
        const [hi, lo] = messagesHash(value, chat, utf8);
        hashes[rows * 2] = hi;
        hashes[rows * 2 + 1] = lo;
        if (near && signatures && hasSignature) hasSignature[rows] = near.signature(messagesText(chat, utf8), signatures, rows * PERMUTATIONS) ? 1 : 0;
        rows++;
      });
    }
  }
  onBytes(task.end - task.start - reported);
  return {
    snapshot: tally.snapshot(),
    lines,
    rowLines: rowLines.slice(0, rows),
    hashes: hashes.slice(0, rows * 2),
    signatures: signatures ? signatures.slice(0, rows * PERMUTATIONS) : null,
    hasSignature: hasSignature ? hasSignature.slice(0, rows) : null,
  };
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

