import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { z } from 'zod';
import { JournalLineSchema } from './changes.ts';
import type { Change } from './changes.ts';

/** The journal beside a state file: its changes since the file was last written whole. */
export function changesPath(statePath: string): string {
  return `${statePath}.journal`;
}

/** The journal being folded into the state file while a new one takes the changes (see `Journal.rotate`). */
export function foldingPath(statePath: string): string {
  return `${changesPath(statePath)}.old`;
}

/**
 * The state's changes as JSON lines, appended: a change costs a line, not a rewrite of the whole
 * state (thousands of runs, events and tasks). Lines are numbered; the state file says up to
 * which number it holds them, so a line written before the file and the journal was emptied
 * after it is not applied twice. Written at once: an append to an open file is one system call,
 * which costs less than the trip through the thread pool and back it would take (the store
 * waits for it before it tells a claim or a task's update it is kept).
 */
export class Journal {
  private constructor(
    private readonly statePath: string,
    private fd: number,
    /** Bytes in the journal now. */
    public size: number,
  ) {}

  /** The journal of the state file at `statePath`. */
  static open(statePath: string): Journal {
    const fd = openSync(changesPath(statePath), 'a');
    return new Journal(statePath, fd, fstatSync(fd).size);
  }

  /** Appends whole lines. */
  append(lines: string): void {
    const data = Buffer.from(lines, 'utf8');
    // A kill -9 leaves a line whole or, at worst, a torn last line (read as never written).
    for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at);
    this.size += data.length;
  }

  /**
   * Sets the journal aside to be folded into the state file, and starts an empty one: changes go
   * on being appended while the state is written. Throws while one is set aside already (its
   * fold failed): its lines must not be written over.
   */
  rotate(): void {
    if (existsSync(foldingPath(this.statePath))) throw new Error(`${foldingPath(this.statePath)}: a journal set aside is still to be folded`);
    closeSync(this.fd);
    renameSync(changesPath(this.statePath), foldingPath(this.statePath));
    this.fd = openSync(changesPath(this.statePath), 'a');
    this.size = 0;
  }

  /** The journal set aside is in the state file now. */
  dropFolded(): void {
    rmSync(foldingPath(this.statePath), { force: true });
  }

  /** Empties the journal (and drops the one set aside): the state file now holds every change in them. */
  truncate(): void {
    ftruncateSync(this.fd, 0);
    this.size = 0;
    this.dropFolded();
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The texts of a state file's journals ('' for one that is not there). */
export interface JournalTexts {
  current: string;
  folding: string;
}

/**
 * Reads a state file's journals: the current one first, the one set aside next. Read the state
 * file after them: a daemon folding meanwhile sets the journal aside, writes the file, then drops
 * the journal set aside, so a journal read before is covered by the one set aside or by the newer
 * file, never the reverse.
 */
export function readJournals(statePath: string): JournalTexts {
  const current = readJournalText(changesPath(statePath));
  return { current, folding: readJournalText(foldingPath(statePath)) };
}

function readJournalText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * The changes a state file's journals hold above `after`: the one set aside for folding, then the
 * current one (numbered on from it). `bad` names the first journal with a line that is not a change.
 */
export function journalChanges(texts: JournalTexts, after: number): { changes: Change[]; last: number; bad: { journal: 'folding' | 'current'; line: number } | null } {
  const folded = parseChanges(texts.folding, after);
  if (folded.bad !== null) return { changes: folded.changes, last: folded.last, bad: { journal: 'folding', line: folded.bad } };
  const current = parseChanges(texts.current, folded.last);
  return { changes: [...folded.changes, ...current.changes], last: current.last, bad: current.bad === null ? null : { journal: 'current', line: current.bad } };
}

/** The changes in a journal's text numbered above `after`, in order; `bad` is the first line that is neither one nor a torn last line. */
function parseChanges(text: string, after: number): { changes: Change[]; last: number; bad: number | null } {
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
