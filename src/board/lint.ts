import { normalizeTitle } from './identity.ts';
import { splitLines } from './lines.ts';
import { closesFence, matchFence, matchListItem } from './list-item.ts';
import type { Board } from './types.ts';

/** One problem `board lint` reports, with the line it is on. */
export interface LintFinding {
  code: 'DUPLICATE_TITLE' | 'DUPLICATE_MARKER' | 'CARD_OUTSIDE_COLUMN' | 'UNKNOWN_HEADING' | 'NO_COLUMNS' | 'BAD_COMMAND';
  line: number;
  message: string;
}

/** Checks a board for what confuses people and agents: repeats, stray cards, odd headings. */
export function lintBoard(board: Board): LintFinding[] {
  const findings: LintFinding[] = [];
  if (board.columns.length === 0) {
    findings.push({ code: 'NO_COLUMNS', line: 1, message: 'no column headings (## Backlog, ## In Progress, ## Done, …)' });
  }
  const seen = new Map<string, number>();
  for (const card of board.cards) {
    const key = normalizeTitle(card.title);
    const first = seen.get(key);
    if (first !== undefined) {
      findings.push({ code: 'DUPLICATE_TITLE', line: card.line, message: `"${card.title}" repeats the card on line ${first}` });
    } else seen.set(key, card.line);
    if (card.marker !== null && card.marker !== card.id) {
      findings.push({ code: 'DUPLICATE_MARKER', line: card.line, message: `marker q:${card.marker} repeats another card's; this one reads as ${card.id}` });
    }
    if (card.command?.error) {
      findings.push({ code: 'BAD_COMMAND', line: card.line, message: `command \`${card.command.raw}\`: ${card.command.error}` });
    }
  }
  for (const section of board.others) {
    if (section.level !== 2) continue;
    findings.push({
      code: 'UNKNOWN_HEADING',
      line: section.line,
      message: `"## ${section.heading}" is not a column; its lines are kept but never read as cards`,
    });
    const body = board.text.slice(section.span.start, section.span.end);
    let fence: string | null = null;
    for (const line of splitLines(body).slice(1)) {
      // A checkbox in a code block is an example, not a lost card.
      if (fence !== null) {
        if (closesFence(line.content, fence)) fence = null;
        continue;
      }
      const open = matchFence(line.content);
      if (open) {
        fence = open.fence;
        continue;
      }
      const item = matchListItem(line.content);
      if (item && item.indent === 0 && /^(?:[-*+]|\d+[.)])$/.test(item.marker) && item.checkboxAt !== null) {
        findings.push({
          code: 'CARD_OUTSIDE_COLUMN',
          line: section.line + line.number - 1,
          message: `a checkbox item under "## ${section.heading}" looks like a card but is outside every column`,
        });
      }
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}
