import type { Rope } from './rope.ts';
import type { Board, Column, Region } from './types.ts';

/** What a board is made of before its regions are asked for. */
export type BoardParts = Omit<Board, 'regions'>;

/**
 * A board whose `regions` are worked out on first use, from its columns and cards (they hold
 * every offset needed): only serializing and a few edits read them, and making two objects a
 * card on every parse, and moving them on every incremental one, was a good part of both.
 * `frontEnd` is where the front matter ends (0 when there is none); `rope` is the text.
 */
export function boardWithRegions(parts: BoardParts, frontEnd: number, rope: Rope): Board {
  let regions: Region[] | undefined;
  const length = rope.length;
  const bom = rope.charCodeAt(0) === 0xfeff;
  return {
    ...parts,
    get regions(): Region[] {
      return (regions ??= regionsOf(length, bom, frontEnd, parts.columns));
    },
  };
}

/**
 * The regions of a text `length` long (opening with a byte order mark if `bom`): the front
 * matter, each column's heading line and each card, and what lies between them, verbatim. They
 * partition the text in order.
 */
function regionsOf(length: number, bom: boolean, frontEnd: number, columns: readonly Column[]): Region[] {
  const regions: Region[] = frontEnd > 0 ? [{ kind: 'front-matter', span: { start: 0, end: frontEnd } }] : [];
  let at = frontEnd;
  const piece = (kind: Region['kind'], start: number, end: number): void => {
    if (start > at) regions.push({ kind: 'verbatim', span: { start: at, end: start } });
    regions.push({ kind, span: { start, end } });
    at = end;
  };
  for (const column of columns) {
    // A heading on the first line starts after a byte order mark; its line (the region) does not.
    const start = column.span.start === 1 && bom ? 0 : column.span.start;
    piece('heading', start, column.bodyStart);
    for (const card of column.cards) piece('card', card.span.start, card.span.end);
  }
  if (length > at) regions.push({ kind: 'verbatim', span: { start: at, end: length } });
  return regions;
}
