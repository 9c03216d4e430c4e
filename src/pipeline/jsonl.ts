import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PipelineError } from './errors.ts';

/** One physical line of a JSONL file. */
export interface JsonlLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's start in the (decompressed) file. */
  offset: number;
  /** The line without its line ending, and without a BOM on line 1. */
  text: string;
  issue: 'blank' | 'invalid_utf8' | 'truncated' | null;
}

/** How to read: cancellation, progress in file bytes, the read size, and a byte range. */
export interface ReadOptions {
  signal?: AbortSignal | undefined;
  onBytes?: ((bytesRead: number) => void) | undefined;
  bufferSize?: number;
  /** Read only `[start, end)` of an uncompressed file (cut at line starts); line numbers then count from the range. */
  start?: number;
  end?: number;
  /** Whether the range reaches the end of the file, where a last line without a newline may be truncated. */
  endsAtEof?: boolean;
}

/**
 * Streams a JSONL file (or `.jsonl.gz`) in batches of lines. Memory is bounded by the read
 * size and the longest line, whatever the file size. Bad lines are reported, never thrown.
 */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncGenerator<JsonlLine[]> {
  const gzip = await isGzipFile(path);
  const start = options.start ?? 0;
  const file = createReadStream(path, {
    highWaterMark: options.bufferSize ?? 1 << 20,
    start,
    ...(options.end !== undefined ? { end: options.end - 1 } : {}),
  });
  const atEof = options.endsAtEof ?? options.end === undefined;
  let bytesRead = 0;
  file.on('data', (chunk) => {
    bytesRead += chunk.length;
    options.onBytes?.(bytesRead);
  });
  const source: AsyncIterable<Buffer> = gzip ? file.pipe(createGunzip()) : file;
  let carry: Buffer | null = null;
  let offset = start;
  let line = 0;
  try {
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      const buffer: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const batch: JsonlLine[] = [];
      let from = 0;
      for (let nl = buffer.indexOf(10, from); nl !== -1; nl = buffer.indexOf(10, from)) {
        batch.push(toLine(buffer, from, nl, ++line, offset, false));
        offset += nl + 1 - from;
        from = nl + 1;
      }
      carry = from < buffer.length ? Buffer.from(buffer.subarray(from)) : null;
      if (batch.length) yield batch;
    }
    if (carry) yield [toLine(carry, 0, carry.length, ++line, offset, atEof)];
  } catch (error) {
    if (options.signal?.aborted) throw new PipelineError('CANCELLED', `${path}: cancelled`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PipelineError('FILE_NOT_FOUND', `${path}: no such file`, { path });
    if (error instanceof PipelineError) throw error;
    throw new PipelineError('READ_FAILED', `${path}: ${(error as Error).message}`, { path });
  } finally {
    file.destroy();
  }
}

function toLine(buffer: Buffer, start: number, end: number, line: number, offset: number, last: boolean): JsonlLine {
  let contentEnd = end;
  if (contentEnd > start && buffer[contentEnd - 1] === 13) contentEnd--;
  let from = start;
  if (offset === 0 && buffer[from] === 0xef && buffer[from + 1] === 0xbb && buffer[from + 2] === 0xbf) from += 3;
  const bytes = buffer.subarray(from, contentEnd);
  const text = bytes.toString('utf8');
  let issue: JsonlLine['issue'] = null;
  if (!/\S/.test(text)) issue = 'blank';
  else if (!isUtf8(bytes)) issue = 'invalid_utf8';
  else if (last && !parses(text)) issue = 'truncated';
  return { line, offset, text, issue };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** True when the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PipelineError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'READ_FAILED', `${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { path });
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
