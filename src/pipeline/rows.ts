import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { PipelineError } from './errors.ts';
import { toChatRow } from './formats.ts';
import type { ChatRow } from './formats.ts';
import { readJsonl } from './jsonl.ts';
import type { JsonlLine } from './jsonl.ts';

/** One line of one source, parsed as far as it goes. */
export interface SourceRow {
  /** Index of the source in the list given. */
  source: number;
  line: number;
  /** The line as written (no line ending, no BOM), to copy through unchanged. */
  text: string;
  issue: JsonlLine['issue'];
  /** The parsed JSON, or undefined when the line is blank or not JSON. */
  value: unknown;
  /** The row in the common chat shape, or null when it has no message list. */
  chat: ChatRow | null;
}

/** Progress over several sources: bytes read of all of them, and lines so far. */
export interface RowProgress {
  bytes: number;
  totalBytes: number;
  rows: number;
}

/**
 * Reads sources one after another, each line parsed and tagged with its source and line number.
 * Progress comes as bytes are read, and once more when every row has been taken: all the bytes, all the rows.
 */
export async function* readRows(
  paths: readonly string[],
  options: {
    signal?: AbortSignal | undefined;
    onProgress?: ((progress: RowProgress) => void) | undefined;
    /** Told each source's sha256 once it is read whole: hashed in the same pass, not read again (a pipe cannot be). */
    onSha256?: (source: number, sha256: string) => void;
    /** Told a source's bytes read so far (before gunzip), as they are read: a pipe's size, which no stat gives up front. */
    onSourceBytes?: (source: number, bytes: number) => void;
  } = {},
): AsyncGenerator<SourceRow> {
  const sizes = await fileSizes(paths);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  let rows = 0;
  for (const [source, path] of paths.entries()) {
    const onBytes = (bytes: number) => {
      options.onSourceBytes?.(source, bytes);
      options.onProgress?.({ bytes: before + bytes, totalBytes, rows });
    };
    const hash = options.onSha256 ? createHash('sha256') : null;
    for await (const batch of readJsonl(path, { signal: options.signal, onBytes, ...(hash ? { onRead: (chunk: Buffer) => hash.update(chunk) } : {}) })) {
      for (const line of batch) {
        rows++;
        yield parseLine(source, line);
      }
    }
    if (hash) options.onSha256?.(source, hash.digest('hex'));
    before += sizes[source]!;
  }
  options.onProgress?.({ bytes: totalBytes, totalBytes, rows });
}

/** Parses one line: blank and unparsable lines come back with no value. */
export function parseLine(source: number, line: JsonlLine): SourceRow {
  let value: unknown;
  if (line.issue !== 'blank' && line.issue !== 'truncated') {
    try {
      value = JSON.parse(line.text);
    } catch {
      value = undefined;
    }
  }
  return { source, line: line.line, text: line.text, issue: line.issue, value, chat: value === undefined ? null : toChatRow(value) };
}

/**
 * The size of every file, or FILE_NOT_FOUND naming the first one missing. With `rereads` (why
 * the caller reads its inputs twice), a pipe is refused: it can be read only once, and a second
 * open would wait for a writer that is gone.
 */
export async function fileSizes(paths: readonly string[], rereads?: string): Promise<number[]> {
  return Promise.all(
    paths.map(async (path) => {
      let info;
      try {
        info = await stat(path);
      } catch {
        throw new PipelineError('FILE_NOT_FOUND', `${path}: no such file`, { path });
      }
      if (rereads && !info.isFile()) throw new PipelineError('INVALID_ARGUMENT', `${path}: not a regular file (a pipe?): ${rereads}; save it to a file first`, { path });
      return info.size;
    }),
  );
}
