import { recognizeColumn } from './columns.ts';
import { cardFields } from './card-fields.ts';
import { inlineReason } from './fields.ts';
import { assignIds } from './identity.ts';
import { dominantEol, firstNonBlankIn, indentWidthAt, utf8Length } from './lines.ts';
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

/** Where each line is: `[start, contentEnd)` is its content, its line break runs to `end`. */
interface LineTable {
  count: number;
  starts: number[];
  contentEnds: number[];
  ends: number[];
}

/** The line table of a text: offsets only, no strings, so a big board costs little to scan. */
function lineTable(text: string): LineTable {
  const starts: number[] = [];
  const contentEnds: number[] = [];
  const ends: number[] = [];
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    starts.push(start);
    contentEnds.push(nl === -1 ? end : nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
    ends.push(end);
    start = end;
  }
  return { count: starts.length, starts, contentEnds, ends };
}

function parseText(text: string): Board {
  const table = lineTable(text);
  const { starts, contentEnds, ends } = table;
  const owners: Owner[] = new Array<Owner>(table.count).fill('verbatim');
  const columns: Column[] = [];
  const others: OtherSection[] = [];
  const drafts: Array<{ column: Column; first: number; last: number; indent: number }> = [];
  let lastSynced: Board['lastSynced'] = null;

  const frontEnd = frontMatterEnd(text, table);
  for (let i = 0; i < frontEnd; i++) owners[i] = 'front-matter';
  const obsidian = frontEnd > 0 && /^kanban-plugin:/m.test(text.slice(0, ends[frontEnd - 1]));

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
  for (let i = frontEnd; i < table.count; i++) {
    const start = starts[i]! + (i === 0 ? bom : 0);
    const contentEnd = contentEnds[i]!;
    const first = firstNonBlankIn(text, start, contentEnd);
    const blank = first === -1;
    if (fence) {
      const inCard = fence.inCard && card !== null;
      // Inside a card a fence lasts only as long as the card: a line indented no deeper than
      // the card's marker ends both (CommonMark), so an unclosed fence cannot eat the board.
      if (inCard && !blank && indentWidthAt(text, start, contentEnd) <= card!.indent) {
        fence = null;
      } else {
        if (inCard && !blank) extendCard(card!, i);
        if (closesFence(text.slice(start, contentEnd), fence.fence)) fence = null;
        continue;
      }
    }
    if (inComment) {
      if (text.slice(start, contentEnd).trimEnd().endsWith('%%')) inComment = false;
      continue;
    }
    if (blank) continue;
    // Every construct below starts with a known character: dispatch on it rather than trying
    // each pattern on every line (the board has one line a card or more).
    const lead = text.charCodeAt(first);
    const fenceLead = lead === 96 || lead === 126;
    // From here on the line's text is sliced only for the few lines a pattern must read.
    if (card) {
      if (indentWidthAt(text, start, contentEnd) > card.indent) {
        extendCard(card, i);
        const open = fenceLead ? matchFence(text.slice(start, contentEnd)) : null;
        if (open) fence = { fence: open.fence, inCard: true };
        continue;
      }
      card = null;
    }

    if (lead === 37 && text.charCodeAt(first + 1) === 37) {
      const line = text.slice(start, contentEnd);
      // Obsidian Kanban keeps its settings in a comment after the last lane: it is not part
      // of that lane, so a column created after it goes before the settings, not below them.
      if (/^%%\s*kanban:settings/.test(line)) {
        closeSection(start);
        column = null;
        inSubsection = false;
      }
      inComment = !(line.trim().length > 2 && line.trimEnd().endsWith('%%'));
      continue;
    }
    const open = fenceLead ? matchFence(text.slice(start, contentEnd)) : null;
    if (open) {
      fence = { fence: open.fence, inCard: false };
      continue;
    }
    const heading = lead === 35 ? HEADING.exec(text.slice(start, contentEnd)) : null;
    if (heading) {
      const level = (heading[1] ?? '').length;
      const title = (heading[2] ?? '').trim();
      if (level <= 2) {
        closeSection(start);
        const kind = level === 2 ? recognizeColumn(title) : null;
        column = kind ? { kind, heading: title, line: i + 1, span: { start, end: -1 }, bodyStart: ends[i]!, cards: [] } : null;
        inSubsection = false;
        if (column) {
          columns.push(column);
          owners[i] = 'heading';
        } else {
          others.push({ heading: title, level, line: i + 1, span: { start, end: -1 } });
        }
      } else if (column) {
        inSubsection = true;
      }
      continue;
    }
    const synced = lead === 95 ? LAST_SYNCED.exec(text.slice(start, contentEnd)) : null;
    if (synced && !lastSynced) {
      lastSynced = { line: i + 1, span: { start, end: contentEnd }, value: synced[1] ?? '' };
      continue;
    }
    if (column && !inSubsection && isListLead(lead)) {
      const item = matchListItem(text.slice(start, contentEnd));
      if (item && item.indent <= 3) {
        card = { column, first: i, last: i, indent: item.indent };
        drafts.push(card);
      }
    }
  }
  closeSection(text.length);

  const cards = buildCards(text, table, drafts);
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
    regions: toRegions(table, owners),
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

/** Lines `0..n` are YAML front matter when the file opens with `---` and closes it. */
function frontMatterEnd(text: string, table: LineTable): number {
  const line = (i: number) => text.slice(table.starts[i], table.contentEnds[i]);
  if (table.count === 0 || line(0).replace(/^\uFEFF/, '') !== '---') return 0;
  for (let i = 1; i < table.count; i++) {
    const content = line(i);
    if (content === '---' || content === '...') return i + 1;
  }
  return 0;
}

function buildCards(text: string, table: LineTable, drafts: ReadonlyArray<{ column: Column; first: number; last: number }>): Card[] {
  const partial = drafts.map((draft) => {
    const cardText = text.slice(table.starts[draft.first], table.ends[draft.last]);
    const fields = cardFields(cardText);
    return { draft, cardText, fields, marker: fields.head.marker, derivedId: fields.derivedId };
  });
  const ids = assignIds(partial);
  // Byte offsets are counted once, forward, at the card boundaries (cards are in file order).
  let at = 0;
  let bytes = 0;
  const byteOffset = (offset: number) => {
    bytes += utf8Length(text, at, offset);
    at = offset;
    return bytes;
  };
  return partial.map(({ draft, cardText, fields }, n) => {
    const { item, head, body } = fields;
    const kind = draft.column.kind;
    const start = table.starts[draft.first]!;
    const end = table.ends[draft.last]!;
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
      blockedReason: body.blockedNote ?? (kind === 'blocked' ? inlineReason(fields.headText) : null),
      line: draft.first + 1,
      endLine: draft.last + 1,
      span: { start, end },
      bytes: { start: byteOffset(start), end: byteOffset(end) },
      text: cardText,
    };
    draft.column.cards.push(card);
    return card;
  });
}

function toRegions(table: LineTable, owners: readonly Owner[]): Region[] {
  const regions: Region[] = [];
  let previous: Owner | null = null;
  let last: Region | null = null;
  for (let i = 0; i < table.count; i++) {
    const owner = owners[i]!;
    if (last && owner === previous && owner !== 'heading') {
      last.span.end = table.ends[i]!;
    } else {
      last = { kind: typeof owner === 'number' ? 'card' : owner, span: { start: table.starts[i]!, end: table.ends[i]! } };
      regions.push(last);
    }
    previous = owner;
  }
  return regions;
}
