import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PipelineError } from './errors.ts';
import { isBlankUtf8 } from './utf8.ts';

/** One physical line of a JSONL file. */
export interface JsonlLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's start in the (decompressed) file. */
  offset: number;
  /** The line without its line ending, and without a BOM on line 1 (as bytes when `latin1`). */
  text: string;
  issue: 'blank' | 'invalid_utf8' | 'truncated' | null;
  /**
   * Whether `text` holds the line's UTF-8 bytes one a character, undecoded (see utf8.ts): only
   * when asked (`ReadOptions.latin1`), and only for valid UTF-8, so nothing is lost.
   */
  latin1?: boolean;
}

/** How to read: cancellation, progress in file bytes, the read size, and a byte range. */
export interface ReadOptions {
  signal?: AbortSignal | undefined;
  onBytes?: ((bytesRead: number) => void) | undefined;
  /** The bytes as read from the file (before gunzip), to hash them in the same pass. */
  onRead?: ((chunk: Buffer) => void) | undefined;
  bufferSize?: number;
  /** Read only `[start, end)` of an uncompressed file (cut at line starts); line numbers then count from the range. */
  start?: number;
  end?: number;
  /** Whether the range reaches the end of the file, where a last line without a newline may be truncated. */
  endsAtEof?: boolean;
  /** Lines of valid UTF-8 as their bytes, undecoded (`JsonlLine.latin1`), for a reader that decodes only what it needs. */
  latin1?: boolean;
}

/**
 * Streams a JSONL file (or `.jsonl.gz`) in batches of lines. Memory is bounded by the read
 * size and the longest line, whatever the file size. Bad lines are reported, never thrown.
 */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncGenerator<JsonlLine[]> {
  const start = options.start ?? 0;
  const file = createReadStream(path, {
    highWaterMark: options.bufferSize ?? 1 << 20,
    // A position only when the range needs one: a pipe (`audit <(zcat …)`) cannot seek.
    ...(start > 0 ? { start } : {}),
    ...(options.end !== undefined ? { end: options.end - 1 } : {}),
  });
  // After a cancel the stream may still fail (the file removed while it opened): no one is left to tell.
  file.on('error', () => {});
  const atEof = options.endsAtEof ?? options.end === undefined;
  const latin1 = options.latin1 ?? false;
  let bytesRead = 0;
  const counted = (async function* () {
    for await (const chunk of untilAborted(file as AsyncIterable<Buffer>, options.signal)) {
      bytesRead += chunk.length;
      options.onRead?.(chunk);
      options.onBytes?.(bytesRead);
      yield chunk;
    }
  })();
  const source = gunzippedIfGzip(counted);
  // The start of a line not ended yet, as the chunks it came in: joined once, when its end comes
  // (joined at every chunk, a line of many chunks was copied and searched again each time).
  const carry: Buffer[] = [];
  let offset = start;
  let line = 0;
  try {
    for await (const chunk of source) {
      options.signal?.throwIfAborted();
      const batch: JsonlLine[] = [];
      let from = 0;
      let nl = chunk.indexOf(10);
      if (carry.length > 0) {
        if (nl === -1) {
          carry.push(chunk);
          continue;
        }
        const joined = Buffer.concat([...carry, chunk.subarray(0, nl)]);
        carry.length = 0;
        batch.push(toLine(joined, 0, joined.length, ++line, offset, false, latin1));
        offset += joined.length + 1;
        from = nl + 1;
        nl = chunk.indexOf(10, from);
      }
      for (; nl !== -1; nl = chunk.indexOf(10, from)) {
        batch.push(toLine(chunk, from, nl, ++line, offset, false, latin1));
        offset += nl + 1 - from;
        from = nl + 1;
      }
      // A copy: the rest of a chunk would keep the whole chunk.
      if (from < chunk.length) carry.push(Buffer.from(chunk.subarray(from)));
      if (batch.length) yield batch;
    }
    if (carry.length > 0) {
      const last = Buffer.concat(carry);
      yield [toLine(last, 0, last.length, ++line, offset, atEof, latin1)];
    }
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

function toLine(buffer: Buffer, start: number, end: number, line: number, offset: number, last: boolean, latin1: boolean): JsonlLine {
  let contentEnd = end;
  if (contentEnd > start && buffer[contentEnd - 1] === 13) contentEnd--;
  let from = start;
  if (offset === 0 && buffer[from] === 0xef && buffer[from + 1] === 0xbb && buffer[from + 2] === 0xbf) from += 3;
  const bytes = buffer.subarray(from, contentEnd);
  const valid = isUtf8(bytes);
  const asBytes = latin1 && valid;
  // JSON parses the same from the bytes: its structure is ASCII, and every byte beyond it is in a string.
  const text = bytes.toString(asBytes ? 'latin1' : 'utf8');
  let issue: JsonlLine['issue'] = null;
  if (asBytes ? isBlankUtf8(text) : !/\S/.test(text)) issue = 'blank';
  else if (!valid) issue = 'invalid_utf8';
  else if (last && !parses(text)) issue = 'truncated';
  return { line, offset, text, issue, latin1: asBytes };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The chunks, until the signal aborts: then at once, even while a read waits (on a pipe nobody
 * writes), which destroying the stream would only end when the read returns.
 */
async function* untilAborted(chunks: AsyncIterable<Buffer>, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  if (!signal) return yield* chunks;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => (onAbort = () => reject(signal.reason)));
  aborted.catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The bytes, gunzipped when they start with gzip's magic. Told from the stream's first bytes,
 * not by opening the file again: a pipe can be read only once.
 */
async function* gunzippedIfGzip(chunks: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2 && !ended) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else head = head.length ? Buffer.concat([head, next.value]) : next.value;
  }
  const all = async function* () {
    if (head.length) yield head;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  };
  if (head[0] !== 0x1f || head[1] !== 0x8b) return yield* all();
  yield* pipeline(Readable.from(all(), { objectMode: false }), createGunzip(), () => {}) as AsyncIterable<Buffer>;
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
