import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StateSchema } from './schema.ts';
import type { State } from './schema.ts';
import type { StateSerializer } from './serialize.ts';

/** How much of the state is encoded and written at a time: other work runs between the parts. */
const PART_CHARS = 256 * 1024;

/**
 * The state file, for lowdb: read and checked whole; written to a temp file that is renamed over
 * it (a kill leaves the old file or the new one). The JSON is taken as the state is when `write`
 * is called, as the serializer's pieces, then encoded and written a part at a time: a state of a
 * few megabytes made as one string and encoded at once held the daemon's thread for 25-70 ms.
 */
export class StateFile implements Adapter<State> {
  readonly #temp: string;

  constructor(
    private readonly path: string,
    private readonly serializer: StateSerializer,
  ) {
    this.#temp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  async read(): Promise<State | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return StateSchema.parse(JSON.parse(text));
  }

  /** Writes the state as it is now; the store writes one at a time. */
  write(state: State): Promise<void> {
    return this.#write(this.serializer.pieces(state));
  }

  async #write(pieces: string[]): Promise<void> {
    const file = await open(this.#temp, 'w');
    try {
      for (let at = 0; at < pieces.length; ) {
        const part: string[] = [];
        for (let chars = 0; at < pieces.length && chars < PART_CHARS; at++) {
          part.push(pieces[at]!);
          chars += pieces[at]!.length;
        }
        const bytes = Buffer.from(part.join(''), 'utf8');
        for (let written = 0; written < bytes.length; ) written += (await file.write(bytes, written)).bytesWritten;
      }
    } finally {
      await file.close();
    }
    await rename(this.#temp, this.path);
  }
}
