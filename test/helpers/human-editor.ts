/**
 * A stand-in for people working on a board while Quimbot edits it; run as its own process by
 * test/board-concurrency.test.ts:
 *
 *   node --import tsx test/helpers/human-editor.ts edit <board> <ops> <seed>
 *   node --import tsx test/helpers/human-editor.ts read <board> <cards>
 *
 * `edit` plays a human: it appends new note lines at the end of the board (the Notes section),
 * the way `echo >>` or an editor's append does, and edits its own earlier lines with a
 * rename-save (read, change one line, write a temp file, rename it over the board), checking
 * just before the rename that the file did not change since it was read, as editors do, and
 * reloading if it did. A rename cannot be made conditional, so a write by Quimbot can still
 * land between that check and the rename (the human's edit is lost: like an editor that
 * reloads on external change, the human sees the line gone and types it again), or this save
 * can land after Quimbot read its write back (Quimbot's edit is lost). Both are counted, never
 * hidden; each save's window is reported so the test can tell that race from a bug.
 *
 * `read` plays a third process that keeps reading the board and checks that it never sees a
 * partial file: every read parses, has all its columns and cards, and ends with a whole line
 * (or with the start of the human's own append, caught in flight: counted as `torn`).
 *
 * Both print `ready` once started, work until a line `stop` arrives on stdin (the editor
 * finishes its ops first, then repairs its lines once more), and print one JSON line of results.
 */
import { appendFileSync, closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseBoard } from '../../src/board/index.ts';
import { rng as random } from './random.ts';

/** The n-th line the human writes, in its first form. */
export function humanLine(n: number, edit = 0): string {
  return edit === 0 ? `- human note ${n} ✍️` : `- human note ${n} ✍️ (edit ${edit})`;
}

/** Matches any form of a human line; group 1 is its number. */
export const HUMAN_LINE = /^- human note (\d+) ✍️(?: \(edit \d+\))?$/;

/** The last line of the board is always one of the human's or the seed's note. */
export const LAST_LINE = /^- (?:human note \d+ ✍️(?: \(edit \d+\))?|seed note)$/;

/** What the editor reports when it stops. */
export interface EditorReport {
  appends: number;
  edits: number;
  /** Saves abandoned because the board changed between read and rename: reloaded and redone. */
  reloads: number;
  /** Own lines found lost or stale after a save (a racing write won): typed again. */
  reapplied: number;
  /**
   * Each rename-save as [checked, renamed]: wall-clock ms just before the "changed on disk?"
   * check and just after the rename returned. A write by Quimbot that lands inside such a window
   * can be overwritten by this save without either side seeing it.
   */
  saves: Array<[number, number]>;
  /** The final form of every line the human wrote, in order. */
  lines: string[];
}

/** What the reader reports when it stops. */
export interface ReaderReport {
  reads: number;
  bad: number;
  /**
   * Reads that caught the human's `echo >>` half done: one write() that crosses a page boundary
   * can be seen in two steps. That is the human's own write, not a partial file from Quimbot.
   */
  torn: number;
  /** The first few bad reads, explained. */
  problems: string[];
}

const stopped = (): Promise<void> =>
  new Promise((done) => {
    let input = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      input += chunk;
      if (input.includes('stop\n')) done();
    });
    process.stdin.on('end', () => done());
  });


/** Milliseconds on the system clock, comparable between processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

const same = (a: BigIntStats, b: BigIntStats) => a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;

async function edit(path: string, ops: number, seed: number): Promise<void> {
  const next = random(seed);
  const lines: string[] = []; // the final form of each line, by number
  const report: EditorReport = { appends: 0, edits: 0, reloads: 0, reapplied: 0, lines, saves: [] };
  let temps = 0;

  /** An editor's save: rename a temp file over the board unless the board changed since it was read. */
  const renameSave = (change: (text: string) => string): void => {
    for (;;) {
      // The file stays open until the rename, so its inode number cannot be freed and handed to
      // a newer file, which would make the check below pass for a file it never read.
      const fd = openSync(path, 'r');
      try {
        const stat = fstatSync(fd, { bigint: true });
        const text = readFileSync(fd, 'utf8');
        const temp = join(dirname(path), `.${basename(path)}.human-${temps++}.swp`);
        writeFileSync(temp, change(text), { flush: true }); // written and fsynced, as vim does
        const checked = wallClock();
        if (same(stat, statSync(path, { bigint: true }))) {
          renameSync(temp, path);
          report.saves.push([checked, wallClock()]);
          return;
        }
        unlinkSync(temp);
        report.reloads++;
      } finally {
        closeSync(fd);
      }
    }
  };

  /** Checks every own line is there in its final form; types lost ones again (a reload on external change). */
  const repair = (): void => {
    const present = new Map<number, string>();
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = HUMAN_LINE.exec(line);
      if (m) present.set(Number(m[1]), line);
    }
    const stale = lines.filter((line, n) => present.has(n) && present.get(n) !== line);
    const missing = lines.filter((_, n) => !present.has(n));
    if (stale.length === 0 && missing.length === 0) return;
    report.reapplied += stale.length + missing.length;
    if (stale.length > 0) {
      renameSave((text) =>
        text
          .split('\n')
          .map((line) => {
            const m = HUMAN_LINE.exec(line);
            return m ? lines[Number(m[1])]! : line;
          })
          .join('\n'),
      );
    }
    for (const line of missing) appendFileSync(path, `${line}\n`);
  };

  const done = stopped();
  process.stdout.write('ready\n');
  for (let op = 0; op < ops; op++) {
    if (lines.length < 3 || next() < 0.65) {
      const line = humanLine(lines.length);
      lines.push(line);
      appendFileSync(path, `${line}\n`);
      report.appends++;
    } else {
      const n = Math.floor(next() * lines.length);
      const old = lines[n]!;
      const m = / \(edit (\d+)\)$/.exec(old);
      const line = humanLine(n, m ? Number(m[1]) + 1 : 1);
      renameSave((text) => {
        const at = text.split('\n').findIndex((l) => HUMAN_LINE.exec(l)?.[1] === String(n));
        if (at === -1) return text; // lost to a racing write: typed again at the end
        const all = text.split('\n');
        all[at] = line;
        return all.join('\n');
      });
      lines[n] = line;
      report.edits++;
    }
    await sleep(next() * 20);
  }
  await done;
  // Quimbot has stopped: the person looks over their lines once more and retypes what a racing
  // write took. (Doing this while Quimbot writes would retype lines Quimbot is about to merge
  // back from the file it replaced, and type them twice.)
  repair();
  repair();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function read(path: string, cards: number): Promise<void> {
  const report: ReaderReport = { reads: 0, bad: 0, torn: 0, problems: [] };
  let stop = false;
  void stopped().then(() => (stop = true));
  process.stdout.write('ready\n');
  while (!stop) {
    const text = readFileSync(path, 'utf8');
    report.reads++;
    const problem = check(text, cards);
    if (problem === 'torn') report.torn++;
    else if (problem) {
      report.bad++;
      if (report.problems.length < 5) report.problems.push(`${problem}; file ends ${JSON.stringify(text.slice(-80))}`);
    }
    await sleep(1);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** What is wrong with a read, `torn` for an append caught in flight, or null. */
function check(text: string, cards: number): string | null {
  const board = parseBoard(text);
  const columns = board.columns.map((c) => c.kind).join(',');
  if (columns !== 'backlog,in_progress,review,done') return `columns ${columns}`;
  if (board.cards.length !== cards) return `${board.cards.length} cards, expected ${cards}`;
  if (!board.others.some((s) => s.heading === 'Notes')) return 'no Notes section';
  const end = text.lastIndexOf('\n');
  const last = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
  if (!LAST_LINE.test(last)) return `last whole line ${JSON.stringify(last)}`;
  const rest = text.slice(end + 1);
  if (rest === '') return null;
  return appendInFlight(rest) ? 'torn' : `ends without a line break in ${JSON.stringify(rest)}`;
}

/** True when `tail` is the start of a line the human appends (a split ✍️ decodes as U+FFFD). */
function appendInFlight(tail: string): boolean {
  const text = tail.replace(/\uFFFD+$/, '');
  if ('- human note '.startsWith(text)) return true;
  const n = /^- human note (\d+)/.exec(text)?.[1];
  return n !== undefined && humanLine(Number(n)).startsWith(text);
}

async function main(): Promise<void> {
  const [role, path, count, seed] = process.argv.slice(2);
  if (role === 'edit' && path) await edit(path, Number(count), Number(seed ?? 1));
  else if (role === 'read' && path) await read(path, Number(count));
  else {
    process.stderr.write('usage: human-editor.ts edit <board> <ops> <seed> | read <board> <cards>\n');
    process.exitCode = 2;
  }
}

// Run when started as a script; the test imports the line shapes only.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
