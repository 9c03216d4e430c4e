import { COLUMN_TITLES } from '../board/index.ts';
import type { Board, Card } from '../board/index.ts';
import type { CardEvent } from '../store/index.ts';
import type { LocalTime } from './clock.ts';

/** What a standup reports on: the board now, what happened since the last one, and the cost. */
export interface StandupInput {
  kind: 'morning' | 'evening';
  at: LocalTime;
  /** ISO time of this standup, kept in the file so the next one knows where to start. */
  iso: string;
  board: Board;
  /** Card events since the last standup, oldest first. */
  events: readonly CardEvent[];
  cost: { todayUsd: number; totalUsd: number; calls: number };
  author: string;
}

/** The marker a standup section carries: the next standup reports what happened after it. */
export const STANDUP_MARKER = /<!-- quimbot:standup (\S+) (morning|evening) -->/g;

/** A standup as a Markdown section for the day's note in `memory/`. */
export function composeStandup(input: StandupInput): string {
  const { board, at } = input;
  const title = input.kind === 'morning' ? 'Morning standup' : 'Evening standup';
  const finished = latestBy(input.events.filter((e) => e.kind === 'done' || e.kind === 'verified' || e.kind === 'review'));
  const inColumn = (kind: Card['column']) => board.cards.filter((c) => c.column === kind);
  const section = (heading: string, lines: string[], empty: string) => [`### ${heading}`, ...(lines.length ? lines : [`- ${empty}`]), ''];
  return [
    `## ${title} (${at.time} ${at.zone}) <!-- quimbot:standup ${input.iso} ${input.kind} -->`,
    '',
    ...section(
      'Done since the last standup',
      finished.map((e) => `- ${bold(e.title)}${e.agent ? ` — ${e.agent}` : ''}${e.detail ? `: ${e.detail}` : ''}`),
      'nothing finished',
    ),
    ...section(COLUMN_TITLES.in_progress, inColumn('in_progress').map((c) => `- ${bold(c.title)}${c.owner ? ` — ${c.owner}` : ''}`), 'nothing in progress'),
    ...section(COLUMN_TITLES.review, inColumn('review').map((c) => `- ${bold(c.title)}${c.owner ? ` — ${c.owner}` : ''}`), 'nothing waiting for review'),
    ...section(COLUMN_TITLES.blocked, inColumn('blocked').map((c) => `- ${bold(c.title)}${c.blockedReason ? `: ${c.blockedReason}` : ''}`), 'nothing blocked'),
    ...section('Decisions', decisions(board.text), 'none recorded'),
    ...section(
      'Cost',
      [`- today: $${input.cost.todayUsd.toFixed(2)} (${input.cost.calls} provider calls); so far: $${input.cost.totalUsd.toFixed(2)}`],
      '',
    ),
    `_Written by ${input.author}._`,
    '',
  ].join('\n');
}

/** The `_Last synced: … _` value for a standup, in the seed board's words. */
export function syncedValue(kind: 'morning' | 'evening', at: LocalTime): string {
  return `${at.date} ${at.time} ${at.zone} (${kind} standup)`;
}

/** List lines under any `###` heading that speaks of decisions (the seed's "Decisions resolved"). */
export function decisions(text: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^#{1,6}\s/.test(line)) {
      inside = /^###\s.*decision/i.test(line);
      continue;
    }
    if (inside && /^\s*[-*+]\s/.test(line)) out.push(`- ${line.replace(/^\s*[-*+]\s+/, '')}`);
  }
  return out;
}

/** One event per card, the latest, in time order. */
function latestBy(events: readonly CardEvent[]): CardEvent[] {
  const byCard = new Map<string, CardEvent>();
  for (const event of events) byCard.set(event.cardId, event);
  return [...byCard.values()].sort((a, b) => a.at - b.at);
}

/** A title in bold, unless it already has bold parts of its own (the seed's Blocked card). */
export function bold(title: string): string {
  return title.includes('**') ? title : `**${title}**`;
}
