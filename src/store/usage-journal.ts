import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseJsonLine } from './journal.ts';
import { UsageEntrySchema } from './schema.ts';
import type { UsageEntry } from './schema.ts';

/**
 * Provider spend from commands run beside the daemon (`quimbot gen run` in a terminal): the
 * state file has one writer, the daemon, so they append here, one JSON line per call, and
 * the daemon folds the lines into its ledger. Readers of the state add them in meanwhile.
 */
export function journalPath(statePath: string): string {
  return join(dirname(statePath), 'usage.jsonl');
}

/** Appends one ledger line; a single small append, so concurrent writers do not interleave. */
export function appendUsage(statePath: string, entry: UsageEntry): void {
  mkdirSync(dirname(statePath), { recursive: true });
  appendFileSync(journalPath(statePath), `${JSON.stringify(UsageEntrySchema.parse(entry))}\n`);
}

/** The journal's entries; lines that do not validate (a cut-short last line) are skipped. */
export function readJournal(path: string): UsageEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((line) => {
    const entry = line.trim() ? parseJsonLine(UsageEntrySchema, line) : null;
    return entry ? [entry] : [];
  });
}

/** Moves the journal aside and returns its entries; `done()` removes it once they are safely stored. */
export function takeJournal(statePath: string): { entries: UsageEntry[]; done(): void } {
  const path = journalPath(statePath);
  const taken = `${path}.taking`;
  // A taken journal left by a crash before `done()` is read again: its lines were not stored.
  if (existsSync(path) && !existsSync(taken)) renameSync(path, taken);
  const entries = readJournal(taken);
  return { entries, done: () => rmSync(taken, { force: true }) };
}
