import type { Board, Column, Region } from './types.ts';

/** What a board is made of before its regions are asked for. */
export type BoardParts = Omit<Board, 'regions'>;

/**
 * A board whose `regions` are worked out on first use, from its columns and cards (they hold
 * every offset needed): only serializing and a few edits read them, and making two objects a
 * card on every parse, and moving them on every incremental one, was a good part of both.
 * `frontEnd` is where the front matter ends (0 when there is none).
 */
export function boardWithRegions(parts: BoardParts, frontEnd: number): Board {
  let regions: Region[] | undefined;
  return {
    ...parts,
    get regions(): Region[] {
      return (regions ??= regionsOf(parts.text, frontEnd, parts.columns));
    },
  };
}

/**
 * The regions of a text: the front matter, each column's heading line and each card, and what
 * lies between them, verbatim. They partition the text in order.
 */
export function regionsOf(text: string, frontEnd: number, columns: readonly Column[]): Region[] {
  const regions: Region[] = frontEnd > 0 ? [{ kind: 'front-matter', span: { start: 0, end: frontEnd } }] : [];
  let at = frontEnd;
  const piece = (kind: Region['kind'], start: number, end: number): void => {
    if (start > at) regions.push({ kind: 'verbatim', span: { start: at, end: start } });
    regions.push({ kind, span: { start, end } });
    at = end;
  };
  for (const column of columns) {
    // A heading on the first line starts after a byte order mark; its line (the region) does not.
    const start = column.span.start === 1 && text.charCodeAt(0) === 0xfeff ? 0 : column.span.start;
    piece('heading', start, column.bodyStart);
    for (const card of column.cards) piece('card', card.span.start, card.span.end);
  }
  if (text.length > at) regions.push({ kind: 'verbatim', span: { start: at, end: text.length } });
  return regions;
}
