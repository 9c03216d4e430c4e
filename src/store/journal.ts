import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import { JournalLineSchema } from './changes.ts';
import type { Change } from './changes.ts';

/** The journal beside a state file: its changes since the file was last written whole. */
export function changesPath(statePath: string): string {
  return `${statePath}.journal`;
}

/**
 * The state's changes as JSON lines, appended: a change costs a line, not a rewrite of the whole
 * state (thousands of runs, events and tasks). Lines are numbered; the state file says up to
 * which number it holds them, so a line written before the file and the journal was emptied
 * after it is not applied twice.
 */
export class Journal {
  private constructor(
    private readonly handle: FileHandle,
    /** Bytes in the journal now. */
    public size: number,
  ) {}

  static async open(path: string): Promise<Journal> {
    const handle = await open(path, 'a');
    return new Journal(handle, (await handle.stat()).size);
  }

  /** Appends whole lines in one write. */
  async append(lines: string): Promise<void> {
    const data = Buffer.from(lines, 'utf8');
    // One write call: a kill -9 leaves a line whole or, at worst, a torn last line (read as never written).
    await this.handle.write(data);
    this.size += data.length;
  }

  /** Empties the journal: the state file now holds every change in it. */
  async truncate(): Promise<void> {
    await this.handle.truncate(0);
    this.size = 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** A journal's text ('' when there is none). */
export function readJournalText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The changes in a journal's text numbered above `after`, in order; `bad` is the first line that is neither one nor a torn last line. */
export function parseChanges(text: string, after: number): { changes: Change[]; last: number; bad: number | null } {
  const changes: Change[] = [];
  let last = after;
  const lines = text.split('\n');
  // A torn last line is a write the kill cut short: nobody was told it was written.
  while (lines.length > 0 && !lines.at(-1)!.trim()) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const parsed = parseJsonLine(JournalLineSchema, line);
    if (!parsed) return i === lines.length - 1 ? { changes, last, bad: null } : { changes, last, bad: i + 1 };
    if (parsed.n <= after) continue;
    const { n, ...change } = parsed;
    changes.push(change as Change);
    last = n;
  }
  return { changes, last, bad: null };
}

/** A JSON line that `schema` accepts, or null (not JSON, or not that shape). */
export function parseJsonLine<T>(schema: z.ZodType<T>, line: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
