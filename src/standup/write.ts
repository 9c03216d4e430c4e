import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BoardFile, writeFileAtomic } from '../board/index.ts';
import type { State } from '../store/index.ts';
import { localTime } from './clock.ts';
import { composeStandup, STANDUP_MARKER, syncedValue } from './compose.ts';

/** Where a standup goes and what it reads. */
export interface StandupOptions {
  boardPath: string;
  memoryDir: string;
  state: Readonly<State>;
  timeZone: string;
  kind?: 'morning' | 'evening';
  now?: number;
  author?: string;
}

/** What a standup wrote. */
export interface StandupWritten {
  path: string;
  kind: 'morning' | 'evening';
  synced: string;
  section: string;
}

/**
 * Writes a standup: a section appended to `memory/YYYY-MM-DD.md` (what finished since the
 * last standup, what is in progress, review and blocked, decisions, cost), then the board's
 * `_Last synced: … _` line updated in place.
 */
export async function writeStandup(options: StandupOptions): Promise<StandupWritten> {
  const now = options.now ?? Date.now();
  const at = localTime(now, options.timeZone);
  const kind = options.kind ?? (at.time < '12:00' ? 'morning' : 'evening');
  const file = new BoardFile(options.boardPath);
  const board = await file.read();
  const since = lastStandupAt(options.memoryDir);
  const today = new Date(now).toISOString().slice(0, 10);
  const costs = Object.values(options.state.costByDay);
  const section = composeStandup({
    kind,
    at,
    iso: new Date(now).toISOString(),
    board,
    events: options.state.history.filter((e) => e.at > since && e.at <= now),
    cost: {
      todayUsd: options.state.costByDay[today]?.usd ?? 0,
      calls: options.state.costByDay[today]?.calls ?? 0,
      totalUsd: costs.reduce((sum, day) => sum + day.usd, 0),
    },
    author: options.author ?? 'Quimbot',
  });
  mkdirSync(options.memoryDir, { recursive: true });
  const path = join(options.memoryDir, `${at.date}.md`);
  const before = existsSync(path) ? readFileSync(path, 'utf8') : `# ${at.date}\n\n`;
  writeFileAtomic(path, `${before.endsWith('\n\n') || before === '' ? before : `${before.replace(/\n*$/, '')}\n\n`}${section}`);
  const synced = syncedValue(kind, at);
  await file.update([{ kind: 'synced', value: synced }]);
  return { path, kind, synced, section };
}

/** True when the day's note already has that standup. */
export function standupWritten(memoryDir: string, date: string, kind: 'morning' | 'evening'): boolean {
  const path = join(memoryDir, `${date}.md`);
  return existsSync(path) && [...readFileSync(path, 'utf8').matchAll(STANDUP_MARKER)].some((m) => m[2] === kind);
}

/** When the last standup was written (ms), from the newest daily note that has one; 0 if none. */
function lastStandupAt(memoryDir: string): number {
  if (!existsSync(memoryDir)) return 0;
  const notes = readdirSync(memoryDir).filter((n) => /^\d{4}-\d{2}-\d{2}\.md$/.test(n)).sort().reverse();
  for (const name of notes.slice(0, 14)) {
    const marks = [...readFileSync(join(memoryDir, name), 'utf8').matchAll(STANDUP_MARKER)].map((m) => Date.parse(m[1]!));
    const latest = Math.max(...marks.filter((t) => !Number.isNaN(t)));
    if (Number.isFinite(latest)) return latest;
  }
  return 0;
}
