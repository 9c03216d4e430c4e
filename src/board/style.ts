import { matchListItem } from './list-item.ts';
import type { ListItem } from './list-item.ts';
import type { Board, Card, Column } from './types.ts';

/** How a list writes its items: what a new or moved card's first line should look like. */
export interface ListStyle {
  indent: string;
  /** The marker for the next item (`-`, `*`, `+`, or the next ordinal such as `4.`). */
  marker: string;
  checkbox: boolean;
}

/** A card's first line: `content` is `[start, contentEnd)`, the line break runs to `end`. */
export interface HeadLine {
  start: number;
  contentEnd: number;
  end: number;
  content: string;
}

/** The first line of a card and its list-item parts. */
export function headLine(board: Board, card: Card): { line: HeadLine; item: ListItem } {
  const end = board.text.indexOf('\n', card.span.start);
  const lineEnd = end === -1 ? board.text.length : end + 1;
  const contentEnd = end === -1 ? lineEnd : end > card.span.start && board.text[end - 1] === '\r' ? end - 1 : end;
  const content = board.text.slice(card.span.start, contentEnd);
  const line: HeadLine = { start: card.span.start, contentEnd, end: lineEnd, content };
  return { line, item: matchListItem(content)! };
}

/** The style of a column's list, taken from its last card, else from the board's first card. */
export function listStyleOf(board: Board, column: Column | null): ListStyle {
  const model = column?.cards.at(-1) ?? board.cards[0];
  if (!model) return { indent: '', marker: '-', checkbox: board.obsidian };
  const { line, item } = headLine(board, model);
  const indent = line.content.slice(0, item.markerStart);
  const ordinal = /^(\d+)([.)])$/.exec(item.marker);
  const marker =
    ordinal && model === column?.cards.at(-1)
      ? `${Number(ordinal[1]) + 1}${ordinal[2]}`
      : ordinal
        ? `1${ordinal[2]}`
        : item.marker;
  return { indent, marker, checkbox: item.checkboxAt !== null };
}

/** How nested lines under a card are written: its first nested item's indent and bullet. */
export function nestedStyleOf(board: Board, card: Card): { indent: string; marker: string } {
  const lines = card.text.split('\n').slice(1);
  for (const raw of lines) {
    const item = matchListItem(raw.replace(/\r$/, ''));
    if (item && /^[-*+]$/.test(item.marker)) return { indent: raw.slice(0, item.markerStart), marker: item.marker };
  }
  const { item } = headLine(board, card);
  return { indent: ' '.repeat(item.indent + item.marker.length + 1), marker: '-' };
}
