import { createWriteStream, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

const MAX_BYTES = 1 << 20;

/**
 * A run's log file, capped in size so a chatty run cannot fill the disk. Opened and written off
 * the event loop, in order (creating a file takes milliseconds on a busy disk, and a busy
 * daemon starts hundreds of runs a second); `close` resolves once every line is in the file.
 */
export class RunLog {
  readonly #stream: WriteStream;
  #bytes = 0;

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'a' });
    // A log that cannot be written (the runs directory removed) must not end the run; its lines are dropped.
    this.#stream.on('error', () => {});
  }

  write(text: string): void {
    if (this.#stream.destroyed || this.#bytes >= MAX_BYTES) return;
    const chunk = Buffer.from(text, 'utf8');
    const room = MAX_BYTES - this.#bytes;
    this.#stream.write(chunk.length <= room ? chunk : Buffer.concat([chunk.subarray(0, room), Buffer.from('\n[log truncated at 1 MB]\n')]));
    this.#bytes += chunk.length;
  }

  /** Resolves once every line written is in the file (or the file could not be written). */
  async close(): Promise<void> {
    this.#stream.end();
    await finished(this.#stream).catch(() => {});
  }
}

/** Makes the runs directory and keeps only its newest `keep` logs. */
export function prepareRunsDir(dir: string, keep = 500): void {
  mkdirSync(dir, { recursive: true });
  const logs = readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => ({ name, at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { name } of logs.slice(keep)) unlinkSync(join(dir, name));
}
