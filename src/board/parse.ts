import { recognizeColumn } from './columns.ts';
import type { ColumnKind } from './columns.ts';
import { cardFields } from './card-fields.ts';
import { assignIds } from './identity.ts';
import { dominantEol, firstNonBlank, indentWidth, splitLines } from './lines.ts';
import type { Line } from './lines.ts';
import { closesFence, matchFence, matchListItem } from './list-item.ts';
import type { Board, Card, Column, OtherSection, Region } from './types.ts';

const HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const LAST_SYNCED = /^_Last synced:\s*(.*?)\s*_\s*$/;

type Owner = 'front-matter' | 'heading' | 'verbatim' | number;

// An update parses the same text several times (check, apply, verify the result, read back):
// the last boards parsed are kept and returned again. Boards are never mutated after parsing.
const recent: Board[] = [];
const RECENT_KEPT = 2;

/**
 * Parses any Markdown Kanban file. Total: every text parses, and the regions partition it,
 * so `serialize(parse(text)) === text` always holds. The result is shared: do not mutate it.
 */
export function parseBoard(text: string): Board {
  const known = recent.find((board) => board.text === text);
  if (known) return known;
  const board = parseText(text);
  recent.unshift(board);
  if (recent.length > RECENT_KEPT) recent.pop();
  return board;
}

function parseText(text: string): Board {
  const lines = splitLines(text);
  const owners: Owner[] = new Array<Owner>(lines.length).fill('verbatim');
  const columns: Column[] = [];
  const others: OtherSection[] = [];
  const drafts: Array<{ column: Column; first: number; last: number; indent: number }> = [];
  let lastSynced: Board['lastSynced'] = null;

  const frontEnd = frontMatterEnd(lines);
  for (let i = 0; i < frontEnd; i++) owners[i] = 'front-matter';
  const obsidian = frontEnd > 0 && /^kanban-plugin:/m.test(text.slice(0, lines[frontEnd - 1]!.end));

  let column: Column | null = null;
  let inSubsection = false;
  let card: (typeof drafts)[number] | null = null;
  let fence: { fence: string; inCard: boolean } | null = null;
  let inComment = false;
  const closeSection = (end: number) => {
    if (column) column.span.end = end;
    const other = others.at(-1);
    if (other && other.span.end === -1) other.span.end = end;
  };

  // A byte order mark is part of the first line's bytes but not of its Markdown.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = frontEnd; i < lines.length; i++) {
    const line = lines[i]!;
    const skip = i === 0 ? bom : 0;
    const content = skip ? line.content.slice(skip) : line.content;
    const start = line.start + skip;
    const first = firstNonBlank(content);
    const blank = first === -1;
    if (fence) {
      const inCard = fence.inCard && card !== null;
      // Inside a card a fence lasts only as long as the card: a line indented no deeper than
      // the card's marker ends both (CommonMark), so an unclosed fence cannot eat the board.
      if (inCard && !blank && indentWidth(content) <= card!.indent) {
        fence = null;
      } else {
        if (inCard && !blank) extendCard(card!, i);
        if (closesFence(content, fence.fence)) fence = null;
        continue;
      }
    }
    if (inComment) {
      if (content.trimEnd().endsWith('%%')) inComment = false;
      continue;
    }
    if (blank) continue;
    // Every construct below starts with a known character: dispatch on it rather than trying
    // each pattern on every line (the board has one line a card or more).
    const lead = content.charCodeAt(first);
    const fenceLead = lead === 96 || lead === 126;
    if (card) {
      if (indentWidth(content) > card.indent) {
        extendCard(card, i);
        const open = fenceLead ? matchFence(content) : null;
        if (open) fence = { fence: open.fence, inCard: true };
        continue;
      }
      card = null;
    }

    if (lead === 37 && content.charCodeAt(first + 1) === 37) {
      // Obsidian Kanban keeps its settings in a comment after the last lane: it is not part
      // of that lane, so a column created after it goes before the settings, not below them.
      if (/^%%\s*kanban:settings/.test(content)) {
        closeSection(start);
        column = null;
        inSubsection = false;
      }
      inComment = !(content.trim().length > 2 && content.trimEnd().endsWith('%%'));
      continue;
    }
    const open = fenceLead ? matchFence(content) : null;
    if (open) {
      fence = { fence: open.fence, inCard: false };
      continue;
    }
    const heading = lead === 35 ? HEADING.exec(content) : null;
    if (heading) {
      const level = (heading[1] ?? '').length;
      const title = (heading[2] ?? '').trim();
      if (level <= 2) {
        closeSection(start);
        const kind = level === 2 ? recognizeColumn(title) : null;
        column = kind ? newColumn(kind, title, line, start) : null;
        inSubsection = false;
        if (column) {
          columns.push(column);
          owners[i] = 'heading';
        } else {
          others.push({ heading: title, level, line: line.number, span: { start, end: -1 } });
        }
      } else if (column) {
        inSubsection = true;
      }
      continue;
    }
    const synced = lead === 95 ? LAST_SYNCED.exec(content) : null;
    if (synced && !lastSynced) {
      lastSynced = { line: line.number, span: { start, end: line.contentEnd }, value: synced[1] ?? '' };
      continue;
    }
    if (column && !inSubsection && isListLead(lead)) {
      const item = matchListItem(content);
      if (item && item.indent <= 3) {
        card = { column, first: i, last: i, indent: item.indent };
        drafts.push(card);
      }
    }
  }
  closeSection(text.length);

  const cards = buildCards(text, lines, drafts);
  drafts.forEach((draft, n) => {
    for (let i = draft.first; i <= draft.last; i++) owners[i] = n;
  });
  return {
    text,
    eol: dominantEol(text),
    obsidian,
    columns,
    cards,
    others,
    regions: toRegions(lines, owners),
    lastSynced,
  };
}

/** `-`, `*`, `+` or a digit: the characters a list item can start with. */
function isListLead(c: number): boolean {
  return c === 45 || c === 42 || c === 43 || (c >= 48 && c <= 57);
}

function extendCard(card: { last: number }, i: number): void {
  card.last = i;
}

function newColumn(kind: ColumnKind, heading: string, line: Line, start: number): Column {
  return { kind, heading, line: line.number, span: { start, end: -1 }, bodyStart: line.end, cards: [] };
}

/** Lines `0..n` are YAML front matter when the file opens with `---` and closes it. */
function frontMatterEnd(lines: readonly Line[]): number {
  if (lines[0]?.content.replace(/^\uFEFF/, '') !== '---') return 0;
  for (let i = 1; i < lines.length; i++) {
    const content = lines[i]!.content;
    if (content === '---' || content === '...') return i + 1;
  }
  return 0;
}

function buildCards(
  text: string,
  lines: readonly Line[],
  drafts: ReadonlyArray<{ column: Column; first: number; last: number }>,
): Card[] {
  const partial = drafts.map((draft) => {
    const first = lines[draft.first]!;
    const last = lines[draft.last]!;
    const cardText = text.slice(first.start, last.end);
    const fields = cardFields(cardText);
    return { draft, first, last, cardText, fields, marker: fields.head.marker, derivedId: fields.derivedId };
  });
  const ids = assignIds(partial);
  return partial.map(({ draft, first, last, cardText, fields }, n) => {
    const { item, head, body } = fields;
    const kind = draft.column.kind;
    const card: Card = {
      id: ids[n]!,
      marker: head.marker,
      column: kind,
      index: draft.column.cards.length,
      title: head.title,
      owner: head.owner?.name ?? null,
      mentions: body.mentions,
      command: body.command,
      after: body.after,
      links: body.links,
      checkbox: item.checked === null ? null : item.checked ? 'done' : 'open',
      blockedReason: body.blockedNote ?? (kind === 'blocked' ? fields.inlineReason : null),
      line: first.number,
      endLine: last.number,
      span: { start: first.start, end: last.end },
      bytes: { start: first.byteStart, end: last.byteEnd },
      text: cardText,
    };
    draft.column.cards.push(card);
    return card;
  });
}

function toRegions(lines: readonly Line[], owners: readonly Owner[]): Region[] {
  const regions: Region[] = [];
  let previous: Owner | null = null;
  lines.forEach((line, i) => {
    const owner = owners[i]!;
    const last = regions.at(-1);
    if (last && owner === previous && owner !== 'heading') {
      last.span.end = line.end;
    } else {
      const kind = typeof owner === 'number' ? 'card' : owner;
      regions.push({ kind, span: { start: line.start, end: line.end } });
    }
    previous = owner;
  });
  return regions;
}
