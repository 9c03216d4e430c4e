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
export function headLine(card: Card): { line: HeadLine; item: ListItem } {
  const text = card.text;
  const nl = text.indexOf('\n');
  const end = nl === -1 ? text.length : nl + 1;
  const contentEnd = nl === -1 ? end : nl > 0 && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  const content = text.slice(0, contentEnd);
  const start = card.span.start;
  const line: HeadLine = { start, contentEnd: start + contentEnd, end: start + end, content };
  return { line, item: matchListItem(content)! };
}

/** The style of a column's list, taken from its last card, else from the board's first card. */
export function listStyleOf(board: Board, column: Column | null): ListStyle {
  const model = column?.cards.at(-1) ?? board.cards[0];
  if (!model) return { indent: '', marker: '-', checkbox: board.obsidian };
  const { indent, marker: own, checkbox } = cardStyle(model);
  const ordinal = /^(\d+)([.)])$/.exec(own);
  const marker =
    ordinal && model === column?.cards.at(-1)
      ? `${Number(ordinal[1]) + 1}${ordinal[2]}`
      : ordinal
        ? `1${ordinal[2]}`
        : own;
  return { indent, marker, checkbox };
}

/** A card's own first line's list style: its indent, its marker as written, whether it has a checkbox. */
export function cardStyle(card: Card): ListStyle {
  const { line, item } = headLine(card);
  return { indent: line.content.slice(0, item.markerStart), marker: item.marker, checkbox: item.checkboxAt !== null };
}

/** How nested lines under a card are written: its first nested item's indent and bullet. */
export function nestedStyleOf(card: Card): { indent: string; marker: string } {
  const lines = card.text.split('\n').slice(1);
  for (const raw of lines) {
    const item = matchListItem(raw.replace(/\r$/, ''));
    if (item && /^[-*+]$/.test(item.marker)) return { indent: raw.slice(0, item.markerStart), marker: item.marker };
  }
  const { item } = headLine(card);
  return { indent: ' '.repeat(item.indent + item.marker.length + 1), marker: '-' };
}
