import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Response } from 'express';
import type { RunRecord } from '../../store/index.ts';
import { openStream, writeEvent } from './events.ts';

/** How often a log is looked at, and how much of it goes out at a time. */
const POLL_MS = 150;
const CHUNK_BYTES = 16 * 1024;

/**
 * Streams a run's log as Server-Sent Events: `chunk` events with the text as it is written,
 * then one `end` event with how the run ended, once it has ended and every byte was sent.
 * The log is read from where the last read stopped, a chunk at a time, and the next chunk
 * only once the last has gone out: memory stays bounded however long the log or slow the client.
 */
export function streamLog(res: Response, path: string, run: () => RunRecord | undefined, onEnd: () => void): void {
  openStream(res);
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let offset = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    onEnd();
  };
  // The response closes when the page goes away or the stream ends; the request may close earlier, once read.
  res.on('close', stop);

  const readMore = (): { text: string; more: boolean } => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return { text: '', more: false }; // not written yet
    }
    try {
      const size = fstatSync(fd).size;
      const n = size > offset ? readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, size - offset), offset) : 0;
      offset += n;
      return { text: decoder.write(buffer.subarray(0, n)), more: offset < size };
    } finally {
      closeSync(fd);
    }
  };

  const tick = () => {
    timer = null;
    if (closed) return;
    // Read the record before the file: a run that has ended wrote its last line before recording it.
    const record = run();
    const { text, more } = readMore();
    if (text && !writeEvent(res, 'chunk', { text })) return stop();
    if (more) {
      // Backpressure: the next chunk is read once this one has gone out.
      if (res.writableLength > 0) res.once('drain', tick);
      else timer = setTimeout(tick, 0);
      return;
    }
    if (!record || record.endedAt !== null) {
      const rest = decoder.end();
      if (rest) writeEvent(res, 'chunk', { text: rest });
      writeEvent(res, 'end', { outcome: record?.outcome ?? null, summary: record?.summary ?? null, error: record?.error ?? null });
      res.end();
      return stop();
    }
    timer = setTimeout(tick, POLL_MS);
  };
  tick();
}
